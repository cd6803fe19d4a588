// How deep JSON may nest, checked on its bytes before anything parses it (docs/security.md).
// JSON.parse and lib0's readAny recurse: a 13 MiB body of 7 M nested arrays blocked the event loop
// for seconds per request. Nothing this server stores nests deeper than a handful of levels.

/** Deepest nesting of arrays and objects accepted in a request body, a Yjs value or awareness state. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the JSON text (as UTF-8 bytes) nests arrays and objects at most `maxDepth` deep.
 * A byte scan that skips string literals; it does not validate the JSON (the parser does that
 * later, once its recursion is known to be shallow).
 */
export function jsonDepthWithin(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (inString) {
      if (byte === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      depth += 1;
      if (depth > maxDepth) return false;
    } else if (byte === 0x5d || byte === 0x7d) depth -= 1;
  }
  return true;
}
