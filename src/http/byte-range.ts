// The `Range` request header (RFC 9110 §14.2) for one range of bytes, which is what audio, video and
// PDF viewers send. Several ranges at once are answered with the whole body (allowed by the RFC).
import type { ByteRange } from '../domain/blobs/blob-store.ts';
import { rangeNotSatisfiable } from '../domain/errors.ts';

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * The inclusive range a `Range` header asks of `size` bytes; undefined means "the whole body" (no
 * header, a unit other than bytes, several ranges, or syntax this parser does not read). Throws
 * RANGE_NOT_SATISFIABLE for a range that starts past the end or asks for nothing.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // `bytes=-N`: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable(size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  // A last position before the first is not a valid range: the header is ignored (RFC 9110).
  if (last !== '' && Number(last) < start) return undefined;
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size) throw unsatisfiable(size);
  return { start, end };
}

const unsatisfiable = (size: number) =>
  rangeNotSatisfiable(`The range asks for bytes outside the ${size} bytes of the blob`);
