const WHITESPACE_RUN = /\s+/gu;
// Marks (\p{M}) count as part of a word: otherwise NFKC-composed scripts such as Devanagari or
// Thai, whose vowel signs are marks, would be cut into pieces.
const NOT_WORD_RUN = /[^\p{L}\p{M}\p{N}]+/gu;
const EDGE_DASHES = /^-+|-+$/g;

/**
 * The one normalization for matching titles and labels case-insensitively: NFKC, full case
 * folding, whitespace trimmed and collapsed. Done here rather than in SQL so the result does not
 * depend on the database's locale or collation.
 */
export function normalizeTitle(title: string): string {
  return foldCase(title.normalize('NFKC')).replace(WHITESPACE_RUN, ' ').trim();
}

/** Topic slug of a wiki label; an empty slug means the label is not a topic. */
export function topicSlug(label: string): string {
  return foldCase(label.normalize('NFKC')).replace(NOT_WORD_RUN, '-').replace(EDGE_DASHES, '');
}

/**
 * Full case folding without a Unicode data table: upper-casing applies the one-to-many special
 * mappings (ß → SS, ŉ → ʼN, ﬀ → FF), lower-casing then gives the folded form. Final sigma is
 * mapped to σ because lower-casing reintroduces ς at word ends. The last NFKC recomposes what the
 * special mappings decomposed (ǰ → J̌ → ǰ).
 */
function foldCase(text: string): string {
  return text.toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFKC');
}
