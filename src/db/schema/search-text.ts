// Text search vocabulary shared by the schema's generated columns and the search service
// (docs/search.md). The text search configurations named here are created by a custom migration:
// each is PostgreSQL's own configuration for the language with `unaccent` in front of its
// dictionaries, so matching ignores accents ("hauser" finds "Häuser") on both engines.

/** Languages a user may pick for stemming; `neutral` (the default) folds case and accents only. */
export const SEARCH_LANGUAGES = [
  'neutral',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'hungarian',
  'italian',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'spanish',
  'swedish',
  'turkish',
] as const;

export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];

export const DEFAULT_SEARCH_LANGUAGE: SearchLanguage = 'neutral';

/** The text search configuration of a language (`fl_neutral`, `fl_german`, ...). */
export function searchConfigName(language: SearchLanguage): string {
  return `fl_${language}`;
}

/**
 * Characters of one text fed to an entity's vector. A tsvector must stay under 1 MB; 100,000
 * characters (the longest interaction summary the API accepts) stay far below it even when every
 * character is four bytes, so no store can fail on the vector.
 */
export const ENTITY_SEARCH_TEXT_LIMIT = 100_000;

type Weight = 'A' | 'B';

const weighted = (config: string, parts: ReadonlyArray<readonly [string, Weight]>) =>
  parts.map(([expression, weight]) => `setweight(to_tsvector('${config}'::regconfig, ${expression}), '${weight}')`);

/** A vector in the neutral configuration: what contacts, tasks, projects and interactions carry. */
export function neutralVectorSql(parts: ReadonlyArray<readonly [string, Weight]>): string {
  return weighted(searchConfigName('neutral'), parts).join(' || ');
}

/**
 * A vector in the configuration the row's `language` column names. Stemmed languages also carry
 * the neutral (unstemmed) lexemes, so the word being typed matches as a prefix of the word itself:
 * "pricin" is no prefix of the English stem "price", but it is of "pricing". Each branch names its
 * configuration as a literal, which keeps the expression immutable (a generated column needs that).
 */
export function languageVectorSql(languageColumn: string, parts: ReadonlyArray<readonly [string, Weight]>): string {
  const neutral = neutralVectorSql(parts);
  const branches = SEARCH_LANGUAGES.filter((language) => language !== 'neutral').map(
    (language) => `WHEN '${language}' THEN ${[...weighted(searchConfigName(language), parts), neutral].join(' || ')}`,
  );
  return `CASE ${languageColumn} ${branches.join(' ')} ELSE ${neutral} END`;
}

/** `coalesce(column, '')` cut to ENTITY_SEARCH_TEXT_LIMIT characters. */
export const boundedText = (column: string) => `left(coalesce(${column}, ''), ${ENTITY_SEARCH_TEXT_LIMIT})`;
