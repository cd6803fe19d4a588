// How bytea crosses PGlite's protocol (text format, `\x` and two hex digits a byte), done by
// Node's native hex codec. PGlite's own converts byte by byte in JavaScript: its serializer builds
// an array of one string per byte, its parser calls `parseInt` once per byte. Both run in the
// server's thread, holding the event loop and PGlite's one connection: under the stall probe
// (docs/benchmarks.md, "PGlite's bytea codec") they took 6.9 s and 2.8 s of CPU, single calls up
// to 1.4 s with their garbage, for the 300 KB log appends, the state's staged parts and the log
// reads.
import { types } from '@electric-sql/pglite';

/** A bytea parameter as PostgreSQL's hex input: `\x` then the bytes of the view (not of its whole buffer). */
export function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

/** A bytea column's text (PostgreSQL's hex output, `\x…`) as bytes: a plain Uint8Array of its own. */
export function parseBytea(text: string): Uint8Array {
  if (!text.startsWith('\\x')) throw new Error('bytea not in hex output format');
  const bytes = new Uint8Array((text.length - 2) / 2);
  const written = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(text.slice(2), 'hex');
  if (written !== bytes.length) throw new Error('bytea hex output malformed');
  return bytes;
}

/** PGlite's `serializers` and `parsers` options. */
export const pgliteByteaTypes = {
  serializers: { [types.BYTEA]: serializeBytea },
  parsers: { [types.BYTEA]: parseBytea },
};
