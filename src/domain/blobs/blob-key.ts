// A blob's key is its content hash exactly as BlockSuite 0.19 computes an image's or attachment's
// `sourceId` (`sha` in @blocksuite/global): the standard base64 of the SHA-256 digest with `+` → `-`
// and `/` → `_`, padding kept, 44 characters. The server recomputes it while the bytes stream in.
import { createHash, type Hash } from 'node:crypto';

const BLOB_KEY = /^[A-Za-z0-9_-]{43}=$/;

export const isBlobKey = (value: unknown): value is string => typeof value === 'string' && BLOB_KEY.test(value);

/** The key of a finished SHA-256 digest. */
export const blobKeyOfDigest = (digest: Buffer): string =>
  digest.toString('base64').replaceAll('+', '-').replaceAll('/', '_');

/** The key of bytes held in memory (imports, tests). */
export const blobKeyOf = (bytes: Uint8Array): string => blobKeyOfDigest(createHash('sha256').update(bytes).digest());

export const createBlobHasher = (): Hash => createHash('sha256');
