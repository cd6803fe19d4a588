// TipTap HTML note bodies → plain-text lines (docs/formats/framelord-export.md §4.2). Not a general
// HTML parser: it reads what the app's editor writes (paragraphs, headings, lists, quotes, code, line breaks, and the
// app's wikilink / mention spans) and degrades to "tags dropped, text kept" for anything else.

const BLOCK_TAGS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'li',
  'blockquote',
  'pre',
  'div',
  'ul',
  'ol',
  'tr',
]);
const CLOSING_BLOCK = /<\/(?:p|h[1-6]|li|ul|ol|blockquote|pre|div)\s*>/i;

const TOKEN =
  /<!--[\s\S]*?-->|<\/([A-Za-z][\w:-]*)\s*>|<([A-Za-z][\w:-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const ENTITY = /&(#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z]+);/g;
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const HTML_WHITESPACE = /[ \t\n\r\f]+/g;

/** The app's spans whose text is replaced by the marker they stand for. */
const SPECIAL_SPANS = [
  { className: 'wikilink', attribute: 'data-wiki-title', render: (value: string) => `[[${value}]]` },
  { className: 'contact-mention', attribute: 'data-contact-name', render: (value: string) => `@${value}` },
  { className: 'topic-mention', attribute: 'data-topic-label', render: (value: string) => `#${value}` },
] as const;
type SpecialSpan = (typeof SPECIAL_SPANS)[number];

/**
 * HTML detection (docs/formats/framelord-export.md §4.2): starts with `<` (after whitespace) and
 * closes some block element.
 */
export function isHtmlContent(content: string): boolean {
  return content.trimStart().startsWith('<') && CLOSING_BLOCK.test(content);
}

export function decodeEntities(text: string): string {
  return text.replace(ENTITY, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      if (!Number.isInteger(code) || code <= 0 || code > 0x10ffff) return whole;
      // As a browser decodes them: a reference to a surrogate is U+FFFD, never half a pair (which
      // the document's snapshot, stored as jsonb, could not hold).
      return code >= 0xd800 && code <= 0xdfff ? '\ufffd' : String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(ATTRIBUTE)) {
    attributes.set((match[1] as string).toLowerCase(), decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

function specialSpanOf(attributes: Map<string, string>): SpecialSpan | undefined {
  const classes = (attributes.get('class') ?? '').split(/\s+/);
  return SPECIAL_SPANS.find((span) => classes.includes(span.className));
}

interface Capture {
  span: SpecialSpan;
  value: string | undefined;
  depth: number;
  inner: string;
}

/**
 * One line per block element (`<p>`, headings, `<li>`, …), `<br>` breaks a line, other tags are
 * dropped and entities decoded. A wikilink span becomes `[[title]]`, a contact mention `@name`, a
 * topic mention `#label`; their inner text is discarded (it only repeats the value, decorated).
 */
export function htmlToLines(html: string): string[] {
  const lines: string[] = [];
  let buffer = '';
  // A block was opened and no line has been given for it yet: its close gives one, even empty.
  let pending = false;
  let preDepth = 0;
  let capture: Capture | undefined;

  const pushLine = (line: string) => {
    if (preDepth > 0) lines.push(...line.split(/\r\n|\r|\n/));
    else lines.push(line.trim());
  };
  const appendText = (raw: string) => {
    const decoded = decodeEntities(raw);
    if (capture) capture.inner += decoded;
    else buffer += preDepth > 0 ? decoded : decoded.replace(HTML_WHITESPACE, ' ');
  };

  let last = 0;
  for (const match of html.matchAll(TOKEN)) {
    appendText(html.slice(last, match.index));
    last = match.index + match[0].length;
    const closing = match[1]?.toLowerCase();
    const opening = match[2]?.toLowerCase();
    if (capture) {
      if (opening === 'span' && !match[0].endsWith('/>')) capture.depth++;
      if (closing === 'span' && --capture.depth === 0) {
        const value = capture.value ?? capture.inner.replace(HTML_WHITESPACE, ' ').trim();
        buffer += capture.span.render(value);
        capture = undefined;
      }
      continue;
    }
    if (opening === 'br') {
      pushLine(buffer);
      buffer = '';
      pending = true;
    } else if (opening !== undefined && BLOCK_TAGS.has(opening)) {
      if (buffer.trim() !== '') pushLine(buffer);
      buffer = '';
      pending = true;
      if (opening === 'pre') preDepth++;
    } else if (opening === 'span') {
      const attributes = parseAttributes(match[3] ?? '');
      const span = specialSpanOf(attributes);
      if (span && !match[0].endsWith('/>'))
        capture = { span, value: attributes.get(span.attribute), depth: 1, inner: '' };
    } else if (closing !== undefined && BLOCK_TAGS.has(closing)) {
      if (pending || buffer.trim() !== '') pushLine(buffer);
      buffer = '';
      pending = false;
      if (closing === 'pre' && preDepth > 0) preDepth--;
    }
  }
  appendText(html.slice(last));
  if (capture) buffer += capture.span.render(capture.value ?? capture.inner.trim());
  if (buffer.trim() !== '') pushLine(buffer);
  return lines;
}

/** A note's legacy `content` as the lines of its document: HTML converted, plain text split on `\n`. */
export function contentLines(content: string): string[] {
  if (isHtmlContent(content)) return htmlToLines(content);
  return content.split(/\r\n|\n|\r/);
}
