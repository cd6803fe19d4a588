// docs/search.md: what a user types in the search box, as a tsquery. Web-search syntax: words
// must all match, "quoted words" match as a phrase, -word excludes; the last word matches as a
// prefix while it is being typed (no white space after it yet). The user's text only ever reaches
// PostgreSQL as a bind parameter of plainto_tsquery/phraseto_tsquery, or as a run of letters and
// digits quoted inside to_tsquery, so no input is tsquery syntax.
import { sql, type SQL } from 'drizzle-orm';
import { searchConfigName, type SearchLanguage } from '../../db/schema/search-text.ts';

export const MAX_QUERY_LENGTH = 500;
/** Terms beyond this are ignored: each one is a GIN lookup. */
const MAX_TERMS = 16;

export type QueryTerm =
  | { kind: 'word'; text: string; negated: boolean }
  | { kind: 'phrase'; text: string; negated: boolean }
  | { kind: 'prefix'; pieces: string[] };

const TOKEN = /(-?)"([^"]*)"?|(-?)([^\s"]+)/gu;
const WORD_PIECE = /[\p{L}\p{N}]+/gu;

/** Splits the query into terms; an empty list means there is nothing to search for. */
export function parseSearchQuery(input: string): QueryTerm[] {
  const text = input.slice(0, MAX_QUERY_LENGTH);
  const terms: QueryTerm[] = [];
  const tokens = [...text.matchAll(TOKEN)];
  const typingLastWord = text.length > 0 && !/[\s"]$/u.test(text);
  tokens.forEach((token, index) => {
    const [, phraseMinus, phrase, wordMinus, word] = token;
    if (phrase !== undefined) {
      if (phrase.trim() !== '') terms.push({ kind: 'phrase', text: phrase, negated: phraseMinus === '-' });
      return;
    }
    if (word === undefined) return;
    const negated = wordMinus === '-';
    const pieces = word.match(WORD_PIECE) ?? [];
    if (pieces.length === 0) return;
    if (!negated && typingLastWord && index === tokens.length - 1) {
      terms.push({ kind: 'prefix', pieces });
      return;
    }
    terms.push({ kind: 'word', text: pieces.join(' '), negated });
  });
  return terms.slice(0, MAX_TERMS);
}

/** True when some term is not an exclusion: a query of exclusions only would match almost everything. */
export function hasPositiveTerm(terms: readonly QueryTerm[]): boolean {
  return terms.some((term) => term.kind === 'prefix' || !term.negated);
}

const config = (language: SearchLanguage) => sql.raw(`'${searchConfigName(language)}'::regconfig`);

function prefixQuery(language: SearchLanguage, piece: string): SQL {
  // piece is letters and digits only: quoted, it is one lexeme with a prefix flag.
  const lexeme = `'${piece}':*`;
  const neutral = sql`to_tsquery(${config('neutral')}, ${lexeme})`;
  if (language === 'neutral') return neutral;
  // Stemmed vectors also hold the neutral lexemes (src/db/schema/search-text.ts), so the word
  // being typed matches the stem ("häuser" → "haus") or the word as written ("pricin" → "pricing").
  return sql`(to_tsquery(${config(language)}, ${lexeme}) || ${neutral})`;
}

/** The tsquery of the terms in a language's configuration, or undefined when there are no positive terms. */
export function tsqueryFor(terms: readonly QueryTerm[], language: SearchLanguage): SQL | undefined {
  if (!hasPositiveTerm(terms)) return undefined;
  const parts = terms.map((term): SQL => {
    if (term.kind === 'prefix') {
      const whole = term.pieces.slice(0, -1);
      const last = prefixQuery(language, term.pieces.at(-1) ?? '');
      return whole.length === 0 ? last : sql`(phraseto_tsquery(${config(language)}, ${whole.join(' ')}) && ${last})`;
    }
    const query =
      term.kind === 'phrase'
        ? sql`phraseto_tsquery(${config(language)}, ${term.text})`
        : sql`plainto_tsquery(${config(language)}, ${term.text})`;
    return term.negated ? sql`(!! ${query})` : query;
  });
  return sql`(${sql.join(parts, sql` && `)})`;
}
