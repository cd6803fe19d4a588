// How a note's text is cut into search parts (docs/search.md, "Long notes: parts"): lossless, at
// most NOTE_SEARCH_CHUNK_CHARS each, never inside a word, and cut by the text itself, so that a
// small edit changes the part it falls in and leaves the parts after it as they were (the store
// writes only changed parts).
import { describe, expect, it } from 'vitest';
import { NOTE_SEARCH_CHUNK_CHARS, splitSearchText } from '../../src/domain/search/note-chunks.ts';

/** A long note of varied paragraphs, one per line (what a document's text looks like). */
function longText(paragraphs: number): string[] {
  const words = ['plan', 'budget', 'review', 'team', 'launch', 'draft', 'notes', 'quarter', 'risk', 'owner'];
  return Array.from({ length: paragraphs }, (_, index) => {
    const length = 4 + ((index * 7) % 13);
    return Array.from(
      { length },
      (_, word) => `${words[(index * 3 + word * 5) % words.length]}${(index * 31 + word) % 97}`,
    ).join(' ');
  });
}

const changedParts = (before: readonly string[], after: readonly string[]) => {
  const kept = new Set(before);
  return after.filter((part) => !kept.has(part)).length;
};

describe('splitSearchText', () => {
  it('cuts losslessly, at white space, into parts of at most the part size', async () => {
    const text = longText(20_000).join('\n');
    const parts = await splitSearchText(text);
    expect(parts.join('')).toBe(text);
    expect(parts.length).toBeGreaterThan(text.length / NOTE_SEARCH_CHUNK_CHARS);
    for (const part of parts.slice(0, -1)) {
      expect(part.length).toBeLessThanOrEqual(NOTE_SEARCH_CHUNK_CHARS);
      expect(part.at(-1)).toMatch(/[ \n\t]/);
    }
  });

  it('leaves the parts after an edit as they were, wherever the edit is', async () => {
    const lines = longText(20_000);
    const before = await splitSearchText(lines.join('\n'));
    for (const at of [0, 1, 5_000, 12_345, 19_999]) {
      const edited = [...lines];
      edited[at] = `inserted words ${at} ${edited[at]}`;
      const after = await splitSearchText(edited.join('\n'));
      // The part with the edit, and the one after when the edit moved a cut made for length.
      expect(changedParts(before, after)).toBeLessThanOrEqual(3);
      expect(after.length - before.length).toBeLessThanOrEqual(1);
    }
  });

  it('is the same for the same text, and bounded for text with no white space or a repeated line', async () => {
    const text = longText(3_000).join('\n');
    expect(await splitSearchText(text)).toEqual(await splitSearchText(text));
    const solid = await splitSearchText('x'.repeat(100_000));
    expect(solid.join('')).toHaveLength(100_000);
    expect(Math.max(...solid.map((part) => part.length))).toBe(NOTE_SEARCH_CHUNK_CHARS);
    const repeated = await splitSearchText('- [ ] todo\n'.repeat(10_000));
    expect(repeated.length).toBeLessThanOrEqual(Math.ceil(110_000 / 1024));
  });

  it('keeps empty text as one empty part and drops NUL', async () => {
    expect(await splitSearchText('')).toEqual(['']);
    expect(await splitSearchText('a\u0000b')).toEqual(['ab']);
  });
});
