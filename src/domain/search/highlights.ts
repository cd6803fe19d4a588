// ts_headline marks matches with two control characters (removed from the text beforehand), which
// are turned here into plain text plus offsets: a client never has to trust markup inside user
// text to show what matched.

export const MARK_START = '\u0002';
export const MARK_END = '\u0003';

/** Offsets into `text` in UTF-16 code units (JavaScript string indices), end exclusive. */
export interface Marked {
  text: string;
  highlights: Array<[number, number]>;
}

export function readMarks(marked: string): Marked {
  let text = '';
  const highlights: Array<[number, number]> = [];
  let start = -1;
  for (const character of marked) {
    if (character === MARK_START) start = text.length;
    else if (character === MARK_END) {
      if (start >= 0 && text.length > start) {
        const previous = highlights.at(-1);
        // Adjacent marked words read as one highlight.
        if (previous && (previous[1] === start || text.slice(previous[1], start).trim() === ''))
          previous[1] = text.length;
        else highlights.push([start, text.length]);
      }
      start = -1;
    } else text += character;
  }
  return { text, highlights };
}
