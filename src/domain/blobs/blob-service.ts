// The blob store as one service (docs/blobs.md): per-user blobs keyed by content hash, verified
// while the bytes stream in, limited in size and per-user quota, read back in ranges, and
// collected once no note uses them. Transports (routes/blobs.ts, the importer) call only this.
import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { BlobConfig } from '../../config.ts';
import type { Db, Tx } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import { blobs, noteBlobs, users } from '../../db/schema/index.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { fieldError, notFound, payloadTooLarge, quotaExceeded } from '../errors.ts';
import { blobKeyOfDigest, createBlobHasher, isBlobKey } from './blob-key.ts';
import { type BlobStore, type ByteRange, MissingBlobChunkError } from './blob-store.ts';

/** Whose namespace: an authenticated caller, or the importer acting for one user. */
export type BlobOwner = Pick<AuthContext, 'userId'>;

/** A blob as the API shows it. */
export interface BlobInfo {
  key: string;
  size: number;
  content_type: string;
  created_at: string;
}

/** A blob found for reading: what the API shows and where its bytes are. */
export interface FoundBlob extends BlobInfo {
  storageId: string;
}

export interface BlobUsage {
  used_bytes: number;
  quota_bytes: number;
  blob_count: number;
}

export interface BlobUpload {
  key: string;
  /** The request's Content-Type; absent means application/octet-stream. */
  contentType: string | undefined;
  /** Content-Length when the client sent one: refused at once when over a limit. */
  declaredBytes: number | undefined;
  body: AsyncIterable<Uint8Array>;
}

export interface BlobPage {
  data: BlobInfo[];
  page: number;
  per_page: number;
  total: number;
  total_pages: number;
}

export interface BlobService {
  readonly config: BlobConfig;
  /** Stores the body under `key` if its SHA-256 is the key; `created` is false when the user had it. */
  put(owner: BlobOwner, upload: BlobUpload): Promise<{ created: boolean; blob: BlobInfo }>;
  /**
   * Whether blobs of these keys and sizes would fit (BLOB_MAX_BYTES each, the quota together),
   * counting only keys the user lacks; throws PAYLOAD_TOO_LARGE or QUOTA_EXCEEDED, else answers
   * the keys the user lacks. For callers that know the bytes up front (the importer).
   */
  checkRoom(owner: BlobOwner, items: ReadonlyArray<{ key: string; size: number }>): Promise<Set<string>>;
  /** The user's blob, or NOT_FOUND (also for another user's key and for a malformed one). */
  find(owner: BlobOwner, key: string): Promise<FoundBlob>;
  /** The bytes of a found blob, a chunk at a time. */
  read(blob: FoundBlob, range: ByteRange): AsyncIterable<Uint8Array>;
  /**
   * `read` for an answer not yet begun: its first chunk is read before this resolves, so a blob
   * removed since `find` (the clean-up job, another device's delete) is NOT_FOUND while the status
   * can still say so, instead of a 200 whose connection is cut mid-body.
   */
  open(blob: FoundBlob, range: ByteRange): Promise<AsyncIterable<Uint8Array>>;
  /** Deletes the blob, or, while a note uses it, marks it to go once none does (`deleted: false`). */
  remove(owner: BlobOwner, key: string): Promise<{ deleted: boolean; referencing_notes: number }>;
  list(owner: BlobOwner, paging: { page?: number; per_page?: number }): Promise<BlobPage>;
  usage(owner: BlobOwner): Promise<BlobUsage>;
  /**
   * One clean-up pass: unreferenced blobs past the grace, and abandoned uploads. Run every
   * BLOB_GC_INTERVAL_SECONDS by a retention job (services.ts).
   */
  collectGarbage(now?: Date): Promise<{ blobs: number; abandonedUploads: number }>;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** `type/subtype` with optional parameters (RFC 9110 tokens); what may be stored and served back. */
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}(\s*;[\x20-\x7e]*)?$/;
const CONTENT_TYPE_MAX = 255;
const HOUR_MS = 60 * 60 * 1000;
/** An upload whose first chunk is older than this and that never became a blob was abandoned. */
const ABANDONED_UPLOAD_MS = HOUR_MS;
/** Blobs removed per clean-up statement, so one pass never holds a long lock. */
const GC_BATCH = 500;
const DEFAULT_PER_PAGE = 50;
const MAX_PER_PAGE = 200;

const info = (row: { key: string; size: number; content_type: string; created_at: Date }): BlobInfo => ({
  key: row.key,
  size: row.size,
  content_type: row.content_type,
  created_at: row.created_at.toISOString(),
});

const MIB = 1024 * 1024;
const describeBytes = (bytes: number) =>
  bytes >= MIB ? `${Math.round((bytes / MIB) * 10) / 10} MiB` : `${bytes} bytes`;

export function createBlobService(db: Db, store: BlobStore, config: BlobConfig): BlobService {
  const usageOf = async (database: Db | Tx, userId: string): Promise<{ used: number; count: number }> => {
    const [row] = await database
      .select({ used: sql<number>`coalesce(sum(${blobs.size}), 0)::float8`.mapWith(Number), count: count() })
      .from(blobs)
      .where(eq(blobs.user_id, userId));
    return { used: row?.used ?? 0, count: row?.count ?? 0 };
  };

  const quotaError = (used: number, requested: number) =>
    quotaExceeded(
      `Storing ${describeBytes(requested)} more would pass your quota of ${describeBytes(config.quotaBytes)}`,
      {
        used_bytes: used,
        quota_bytes: config.quotaBytes,
        requested_bytes: requested,
      },
    );

  const tooLarge = () => payloadTooLarge(`A blob may hold at most ${describeBytes(config.maxBytes)} (BLOB_MAX_BYTES)`);

  const findRow = (database: Db | Tx, userId: string, key: string) =>
    database
      .select()
      .from(blobs)
      .where(and(eq(blobs.user_id, userId), eq(blobs.key, key)))
      .limit(1)
      .then((rows) => rows[0]);

  /** A stored blob asked for again is wanted again: a pending DELETE of it is withdrawn. */
  const keep = async (database: Db | Tx, row: typeof blobs.$inferSelect) => {
    if (row.delete_requested_at !== null)
      await database.update(blobs).set({ delete_requested_at: null }).where(eq(blobs.id, row.id));
  };

  const collectGarbage = async (now = new Date()) => {
    const cutoff = new Date(now.getTime() - config.gcGraceHours * HOUR_MS);
    let removedBlobs = 0;
    for (;;) {
      // Two statements in one transaction: lock the candidates (skipping any a store is starting to
      // use: it holds them share-locked, blob-references.ts), then delete those that no note
      // references. The second statement sees every reference committed before the lock was
      // taken, and no reference to a locked row can commit before this transaction ends.
      const removed = await db.transaction(async (tx) => {
        const candidates = await queryRows<{ id: string }>(
          tx,
          sql`select b.id from ${blobs} b
              where (b.created_at < ${cutoff.toISOString()} or b.delete_requested_at is not null)
                and not exists (select 1 from ${noteBlobs} nb where nb.user_id = b.user_id and nb.blob_key = b.key)
              limit ${GC_BATCH}
              for update of b skip locked`,
        );
        if (candidates.length === 0) return { candidates: 0, storageIds: [] };
        const ids = `{${candidates.map((row) => row.id).join(',')}}`;
        const deleted = await queryRows<{ storage_id: string }>(
          tx,
          sql`delete from ${blobs} b
              where b.id = any(${ids}::uuid[])
                and not exists (select 1 from ${noteBlobs} nb where nb.user_id = b.user_id and nb.blob_key = b.key)
              returning b.storage_id`,
        );
        return { candidates: candidates.length, storageIds: deleted.map((row) => row.storage_id) };
      });
      const { storageIds } = removed;
      await store.remove(storageIds);
      removedBlobs += storageIds.length;
      if (removed.candidates < GC_BATCH) break;
    }
    const abandonedUploads = await store.removeAbandoned(new Date(now.getTime() - ABANDONED_UPLOAD_MS));
    return { blobs: removedBlobs, abandonedUploads };
  };

  return {
    config,

    async put(owner, upload) {
      if (!isBlobKey(upload.key))
        throw fieldError('key', 'must be the URL-safe base64 SHA-256 of the bytes (44 characters)');
      const contentType = normalizeContentType(upload.contentType);
      if (upload.declaredBytes !== undefined && upload.declaredBytes > config.maxBytes) throw tooLarge();

      const existing = await findRow(db, owner.userId, upload.key);
      if (existing) {
        // Same key, same bytes (it was verified when stored): nothing to read or write.
        await keep(db, existing);
        return { created: false, blob: info(existing) };
      }
      const { used } = await usageOf(db, owner.userId);
      if (upload.declaredBytes !== undefined && used + upload.declaredBytes > config.quotaBytes)
        throw quotaError(used, upload.declaredBytes);

      const hasher = createBlobHasher();
      const maxBytes = config.maxBytes;
      const quotaLeft = config.quotaBytes - used;
      async function* verified(): AsyncIterable<Uint8Array> {
        let received = 0;
        for await (const piece of upload.body) {
          received += piece.byteLength;
          if (received > maxBytes) throw tooLarge();
          if (received > quotaLeft) throw quotaError(used, received);
          hasher.update(piece);
          yield piece;
        }
      }
      const written = await store.write(verified());
      if (blobKeyOfDigest(hasher.digest()) !== upload.key) {
        await store.remove([written.storageId]);
        throw fieldError('key', 'is not the SHA-256 of the body: nothing was stored');
      }

      let outcome: { created: boolean; blob: BlobInfo };
      try {
        outcome = await db.transaction(async (tx) => {
          // The user's row lock serialises their uploads' last step, so the quota holds when
          // several finish at once (NO KEY UPDATE: inserts referencing the user still proceed).
          await tx.execute(sql`select 1 from ${users} where ${users.id} = ${owner.userId} for no key update`);
          const raced = await findRow(tx, owner.userId, upload.key);
          if (raced) {
            await keep(tx, raced);
            return { created: false, blob: info(raced) };
          }
          const now = await usageOf(tx, owner.userId);
          if (now.used + written.size > config.quotaBytes) throw quotaError(now.used, written.size);
          const [row] = await tx
            .insert(blobs)
            .values({
              user_id: owner.userId,
              key: upload.key,
              content_type: contentType,
              size: written.size,
              storage_id: written.storageId,
            })
            .returning();
          if (!row) throw new Error('blob insert returned no row');
          return { created: true, blob: info(row) };
        });
      } catch (error) {
        await store.remove([written.storageId]).catch(() => {});
        throw error;
      }
      // Another upload of the same key finished first: this copy is not needed.
      if (!outcome.created) await store.remove([written.storageId]);
      return outcome;
    },

    async checkRoom(owner, items) {
      if (items.some((item) => item.size > config.maxBytes)) throw tooLarge();
      const keys = [...new Set(items.map((item) => item.key))];
      const present = new Set<string>();
      for (let start = 0; start < keys.length; start += 500) {
        const rows = await db
          .select({ key: blobs.key })
          .from(blobs)
          .where(and(eq(blobs.user_id, owner.userId), inArray(blobs.key, keys.slice(start, start + 500))));
        for (const row of rows) present.add(row.key);
      }
      const missing = new Map(items.filter((item) => !present.has(item.key)).map((item) => [item.key, item.size]));
      const requested = [...missing.values()].reduce((sum, size) => sum + size, 0);
      const { used } = await usageOf(db, owner.userId);
      if (used + requested > config.quotaBytes) throw quotaError(used, requested);
      return new Set(missing.keys());
    },

    async find(owner, key) {
      const row = isBlobKey(key) ? await findRow(db, owner.userId, key) : undefined;
      if (!row) throw notFound('Blob');
      return { ...info(row), storageId: row.storage_id };
    },

    read: (blob, range) => store.read(blob.storageId, range),

    async open(blob, range) {
      const chunks = store.read(blob.storageId, range)[Symbol.asyncIterator]();
      let first: IteratorResult<Uint8Array>;
      try {
        first = await chunks.next();
      } catch (error) {
        if (error instanceof MissingBlobChunkError) throw notFound('Blob');
        throw error;
      }
      return (async function* () {
        try {
          if (first.done) return;
          yield first.value;
          for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
        } finally {
          // A client that hangs up ends the store's read too (its statement, its memory).
          await chunks.return?.();
        }
      })();
    },

    async remove(owner, key) {
      if (!isBlobKey(key)) throw notFound('Blob');
      const referenced = and(eq(noteBlobs.user_id, owner.userId), eq(noteBlobs.blob_key, key));
      const removed = await db
        .delete(blobs)
        .where(
          and(
            eq(blobs.user_id, owner.userId),
            eq(blobs.key, key),
            sql`not exists (select 1 from ${noteBlobs} where ${referenced})`,
          ),
        )
        .returning({ storage_id: blobs.storage_id });
      if (removed.length > 0) {
        await store.remove(removed.map((row) => row.storage_id));
        return { deleted: true, referencing_notes: 0 };
      }
      const marked = await db
        .update(blobs)
        .set({ delete_requested_at: new Date() })
        .where(and(eq(blobs.user_id, owner.userId), eq(blobs.key, key)))
        .returning({ id: blobs.id });
      if (marked.length === 0) throw notFound('Blob');
      const [notes] = await db.select({ n: count() }).from(noteBlobs).where(referenced);
      return { deleted: false, referencing_notes: notes?.n ?? 0 };
    },

    async list(owner, paging) {
      const perPage = Math.min(paging.per_page ?? DEFAULT_PER_PAGE, MAX_PER_PAGE);
      const page = paging.page ?? 1;
      const rows = await db
        .select({ key: blobs.key, size: blobs.size, content_type: blobs.content_type, created_at: blobs.created_at })
        .from(blobs)
        .where(eq(blobs.user_id, owner.userId))
        .orderBy(desc(blobs.created_at), asc(blobs.key))
        .limit(perPage)
        .offset((page - 1) * perPage);
      const { count: total } = await usageOf(db, owner.userId);
      return { data: rows.map(info), page, per_page: perPage, total, total_pages: Math.ceil(total / perPage) };
    },

    async usage(owner) {
      const { used, count: blobCount } = await usageOf(db, owner.userId);
      return { used_bytes: used, quota_bytes: config.quotaBytes, blob_count: blobCount };
    },

    collectGarbage,
  };
}

/** The stored Content-Type: absent → application/octet-stream; anything else must be a media type. */
export function normalizeContentType(value: string | undefined): string {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return DEFAULT_CONTENT_TYPE;
  if (trimmed.length > CONTENT_TYPE_MAX || !CONTENT_TYPE.test(trimmed))
    throw fieldError('content-type', 'must be a media type such as image/png (at most 255 characters)');
  return trimmed;
}
