// The BlobStore in the database (both engines): a blob's bytes as `blob_chunks` rows of
// BLOB_CHUNK_BYTES each, written one statement per chunk as the upload streams in and read a few
// chunks per statement as the download streams out. Every instance on the same database serves
// every blob, so it needs nothing more to run several instances.
import { randomUUID } from 'node:crypto';
import { and, asc, between, eq, inArray, lt, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../db/client.ts';
import { parseBinaryCopy, readInt4 } from '../../db/binary-copy.ts';
import { blobChunks, blobs } from '../../db/schema/index.ts';
import { type BlobStore, type ByteRange, MissingBlobChunkError } from './blob-store.ts';

/**
 * Bytes per chunk row. Part of the stored format: a Range read finds its first chunk by dividing
 * by it, so changing it needs rewriting the stored chunks.
 */
export const BLOB_CHUNK_BYTES = 1024 * 1024;

/** Chunks fetched per statement when reading: 4 MiB in memory at most, a quarter of the round trips. */
const CHUNKS_PER_READ = 4;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createDatabaseBlobStore(database: DatabaseHandle): BlobStore {
  const { db, copyOut } = database;

  const insertChunk = (storageId: string, seq: number, data: Uint8Array) =>
    db.insert(blobChunks).values({ storage_id: storageId, seq, data });

  const loadChunks = async (storageId: string, first: number, last: number): Promise<Uint8Array[]> => {
    if (copyOut) {
      // postgres.js receives bytea as hex text; binary COPY sends the bytes as they are
      // (db/binary-copy.ts). COPY takes no parameters: the id must be a UUID, the bounds integers.
      if (!UUID.test(storageId)) throw new MissingBlobChunkError(`storage id ${storageId} is not a UUID`);
      const rows = parseBinaryCopy(
        await copyOut(
          `select seq, data from blob_chunks where storage_id = '${storageId}' and seq between ${Math.trunc(first)} and ${Math.trunc(last)} order by seq`,
        ),
      );
      return rows.map((row, index) => {
        const [seq, data] = row;
        if (!seq || !data || readInt4(seq) !== first + index) throw new MissingBlobChunkError(`chunk ${first + index}`);
        return data;
      });
    }
    const rows = await db
      .select({ seq: blobChunks.seq, data: blobChunks.data })
      .from(blobChunks)
      .where(and(eq(blobChunks.storage_id, storageId), between(blobChunks.seq, first, last)))
      .orderBy(asc(blobChunks.seq));
    return rows.map((row, index) => {
      if (row.seq !== first + index) throw new MissingBlobChunkError(`chunk ${first + index}`);
      return row.data;
    });
  };

  const remove = async (storageIds: readonly string[]) => {
    if (storageIds.length > 0) await db.delete(blobChunks).where(inArray(blobChunks.storage_id, [...storageIds]));
  };

  return {
    async write(chunks) {
      const storageId = randomUUID();
      // One chunk is filled from whatever sizes the transport hands over, then written; the
      // next is read only after that write, so memory stays at one chunk whatever the blob size.
      const pending = Buffer.allocUnsafe(BLOB_CHUNK_BYTES);
      let filled = 0;
      let seq = 0;
      let size = 0;
      try {
        for await (const piece of chunks) {
          let offset = 0;
          while (offset < piece.byteLength) {
            const taken = Math.min(BLOB_CHUNK_BYTES - filled, piece.byteLength - offset);
            pending.set(piece.subarray(offset, offset + taken), filled);
            filled += taken;
            offset += taken;
            if (filled === BLOB_CHUNK_BYTES) {
              await insertChunk(storageId, seq, pending);
              seq += 1;
              filled = 0;
            }
          }
          size += piece.byteLength;
        }
        if (filled > 0) await insertChunk(storageId, seq, pending.subarray(0, filled));
      } catch (error) {
        // A failed removal (database gone) leaves rows that removeAbandoned collects later.
        await remove([storageId]).catch(() => {});
        throw error;
      }
      return { storageId, size };
    },

    async *read(storageId: string, range: ByteRange) {
      const firstChunk = Math.floor(range.start / BLOB_CHUNK_BYTES);
      const lastChunk = Math.floor(range.end / BLOB_CHUNK_BYTES);
      for (let from = firstChunk; from <= lastChunk; from += CHUNKS_PER_READ) {
        const to = Math.min(lastChunk, from + CHUNKS_PER_READ - 1);
        const loaded = await loadChunks(storageId, from, to);
        if (loaded.length !== to - from + 1) throw new MissingBlobChunkError(`chunks ${from}-${to} of ${storageId}`);
        for (const [index, data] of loaded.entries()) {
          const chunkStart = (from + index) * BLOB_CHUNK_BYTES;
          const start = Math.max(0, range.start - chunkStart);
          const end = Math.min(data.byteLength, range.end - chunkStart + 1);
          yield data.subarray(start, end);
        }
      }
    },

    remove,

    async removeAbandoned(startedBefore) {
      // An upload's first chunk carries its start; storage ids no blob names are uploads that
      // failed without cleaning up after themselves (the process died).
      const removed = await db
        .delete(blobChunks)
        .where(
          inArray(
            blobChunks.storage_id,
            db
              .select({ storage_id: blobChunks.storage_id })
              .from(blobChunks)
              .where(
                and(
                  eq(blobChunks.seq, 0),
                  lt(blobChunks.created_at, startedBefore),
                  sql`not exists (select 1 from ${blobs} where ${blobs.storage_id} = ${blobChunks.storage_id})`,
                ),
              ),
          ),
        )
        .returning({ storage_id: blobChunks.storage_id });
      return new Set(removed.map((row) => row.storage_id)).size;
    },
  };
}
