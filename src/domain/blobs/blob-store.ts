// Where a blob's bytes live, apart from what the service knows of it (key, owner, size, type, in
// `blobs`). The database store (database-blob-store.ts) is the one shipped; an object store plugs
// in behind the same four methods (docs/blobs.md, docs/operations.md).

/** An inclusive byte range of a blob, already checked against its size. */
export interface ByteRange {
  start: number;
  end: number;
}

/** The bytes of a blob are gone: it was removed (clean-up, a delete) after it was found. */
export class MissingBlobChunkError extends Error {
  override name = 'MissingBlobChunkError';
}

export interface BlobStore {
  /**
   * Stores the bytes as they arrive, never holding more than one chunk, and answers a new storage
   * id. If `chunks` throws (a cut-off upload, a limit) nothing of it is left behind and the error
   * is rethrown.
   */
  write(chunks: AsyncIterable<Uint8Array>): Promise<{ storageId: string; size: number }>;
  /** The bytes of `range`, in order, a chunk at a time; MissingBlobChunkError if they are gone. */
  read(storageId: string, range: ByteRange): AsyncIterable<Uint8Array>;
  /** Removes stored bytes; unknown ids are ignored. */
  remove(storageIds: readonly string[]): Promise<void>;
  /**
   * Removes bytes written by uploads that never became a blob (a process that died mid-upload),
   * whose writing started before `startedBefore`; answers how many.
   */
  removeAbandoned(startedBefore: Date): Promise<number>;
}
