// Brackets and line breaks cannot occur inside a label, so `[[a\nb]]`, `[[]]` and `]]x[[` never match.
const WIKI_LINK = /\[\[([^[\]\n\r\u2028\u2029]+)\]\]/g;
const LABEL_END = /[|#]/;
const WHITESPACE_RUN = /\s+/g;

/**
 * Labels of `[[Label]]`, `[[Label|alias]]` and `[[Label#heading]]`, in order, duplicates kept
 * (the caller de-duplicates across the whole document).
 */
export function extractWikiLabels(text: string): string[] {
  if (!text.includes('[[')) return [];
  const labels: string[] = [];
  for (const match of text.matchAll(WIKI_LINK)) {
    const label = normalizeLabel(match[1] ?? '');
    if (label !== '') labels.push(label);
  }
  return labels;
}

function normalizeLabel(inner: string): string {
  const end = inner.search(LABEL_END);
  const label = end === -1 ? inner : inner.slice(0, end);
  return label.replace(WHITESPACE_RUN, ' ').trim();
}
