// docs/blobs.md: which blobs a note's document uses (note_blobs, `blob_keys`), kept by the store
// path and diffed; clean-up removes only blobs no note uses and past the grace; interrupted and
// abandoned uploads leave nothing. Real server, real HTTP document sync, both engines.
import { randomUUID } from 'node:crypto';
import { count, eq, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobChunks, blobs } from '../../src/db/schema/index.ts';
import { syncNoteBlobReferences } from '../../src/domain/blobs/blob-references.ts';
import { appendBlobBlocks } from '../../src/domain/blocksuite/index.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { eventually } from '../helpers/collab.ts';
import { testEngine } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { syncClient } from '../sync/sync-client.ts';
import {
  blobKeysOf,
  bytesOf,
  createNoteWithDocument,
  getBlob,
  keyOf,
  putBlob,
  removeBlocksOf,
  send,
  startUpload,
  waitForBlobKeys,
} from './support.ts';

const MIB = 1024 * 1024;
let server: TestServer;
let alice: RegisteredUser;

const db = () => server.server.services.db;
const chunkCount = async (storageId?: string) => {
  const [row] = await db()
    .select({ n: count() })
    .from(blobChunks)
    .where(storageId ? eq(blobChunks.storage_id, storageId) : undefined);
  return row?.n ?? 0;
};

beforeAll(async () => {
  server = await startTestServer({
    STORE_DEBOUNCE_MS: '50',
    STORE_MAX_DEBOUNCE_MS: '200',
    BLOB_GC_GRACE_HOURS: '24',
  });
  alice = await registerUser(server.url);
});

afterAll(async () => {
  await server?.destroy();
});

describe('references from notes', () => {
  it('records the image and attachment keys of a document, page and canvas, and diffs them', async () => {
    const [image, file, canvas, later] = [1, 2, 3, 4].map(() => keyOf(bytesOf(64)));
    const note = await createNoteWithDocument(server.url, alice, `Refs ${randomUUID()}`);
    expect(await blobKeysOf(server.url, alice, note.noteId)).toEqual([]);

    appendBlobBlocks(note.doc, [
      { flavour: 'affine:image', sourceId: image! },
      { flavour: 'affine:attachment', sourceId: file!, name: 'a.pdf', size: 64, type: 'application/pdf' },
    ]);
    // An image on the canvas is a child of the surface block.
    const blocks = note.doc.getMap<Y.Map<unknown>>('blocks');
    const surface = [...blocks.entries()].find(([, block]) => block.get('sys:flavour') === 'affine:surface');
    note.doc.transact(() => {
      const onCanvas = new Y.Map<unknown>();
      onCanvas.set('sys:id', 'canvas-image');
      onCanvas.set('sys:flavour', 'affine:image');
      onCanvas.set('sys:version', 1);
      onCanvas.set('sys:children', new Y.Array());
      onCanvas.set('prop:sourceId', canvas);
      blocks.set('canvas-image', onCanvas);
      (surface![1].get('sys:children') as Y.Array<string>).push(['canvas-image']);
    });
    await note.push();
    await waitForBlobKeys(server.url, alice, note.noteId, [image!, file!, canvas!]);

    // A sync pull carries the same keys as GET /notes/:id.
    const pulled = await syncClient(server.url, alice.accessToken).pullAll();
    const change = pulled.changes.filter((c) => c.entity_type === 'note' && c.entity_id === note.noteId).at(-1);
    expect(change?.data?.blob_keys).toEqual([image!, file!, canvas!].sort());

    removeBlocksOf(note.doc, file!);
    appendBlobBlocks(note.doc, [{ flavour: 'affine:image', sourceId: later! }]);
    await note.push();
    await waitForBlobKeys(server.url, alice, note.noteId, [image!, canvas!, later!]);

    // A change of the keys alone (another picture in the same canvas block, no text changed)
    // reaches a device's next pull as a change of the note.
    const replaced = keyOf(bytesOf(64));
    blocks.get('canvas-image')?.set('prop:sourceId', replaced);
    await note.push();
    await waitForBlobKeys(server.url, alice, note.noteId, [image!, replaced, later!]);
    const next = await syncClient(server.url, alice.accessToken).pullAll(pulled.cursor);
    const changed = next.changes.filter((c) => c.entity_type === 'note' && c.entity_id === note.noteId).at(-1);
    expect(changed?.data?.blob_keys).toEqual([image!, replaced, later!].sort());
  });
});

describe('clean-up', () => {
  it('removes only blobs no note uses, past the grace; DELETE of a used blob waits until no note uses it', async () => {
    const usedBytes = bytesOf(3000);
    const unusedBytes = bytesOf(3000);
    const [used, unused] = [keyOf(usedBytes), keyOf(unusedBytes)];
    expect((await putBlob(server.url, alice.accessToken, usedBytes)).status).toBe(201);
    expect((await putBlob(server.url, alice.accessToken, unusedBytes)).status).toBe(201);
    const note = await createNoteWithDocument(server.url, alice, `Cleanup ${randomUUID()}`);
    appendBlobBlocks(note.doc, [{ flavour: 'affine:image', sourceId: used }]);
    await note.push();
    await waitForBlobKeys(server.url, alice, note.noteId, [used]);

    // Within the grace (24 h) nothing goes, referenced or not.
    await server.server.services.blobs.collectGarbage();
    expect((await getBlob(server.url, alice.accessToken, unused)).status).toBe(200);

    // Past the grace, the unreferenced blob goes; the referenced one stays.
    const later = new Date(Date.now() + 25 * 3600 * 1000);
    const collected = await server.server.services.blobs.collectGarbage(later);
    expect(collected.blobs).toBeGreaterThanOrEqual(1);
    expect((await getBlob(server.url, alice.accessToken, unused)).status).toBe(404);
    const kept = await getBlob(server.url, alice.accessToken, used);
    expect(kept.status).toBe(200);
    expect(kept.bytes.equals(usedBytes)).toBe(true);

    // DELETE while the note uses it: kept (202) and still readable, even by clean-up.
    const deletion = await send(server.url, 'DELETE', `/api/v1/blobs/${used}`, alice.accessToken);
    expect(deletion.status).toBe(202);
    expect(deletion.json.data).toEqual({ key: used, deleted: false, referencing_notes: 1 });
    await server.server.services.blobs.collectGarbage(later);
    expect((await getBlob(server.url, alice.accessToken, used)).status).toBe(200);

    // Once the note no longer uses it, the next clean-up removes it (the DELETE asked for it).
    removeBlocksOf(note.doc, used);
    await note.push();
    await waitForBlobKeys(server.url, alice, note.noteId, []);
    await server.server.services.blobs.collectGarbage();
    expect((await getBlob(server.url, alice.accessToken, used)).status).toBe(404);
    const [row] = await db().select({ n: count() }).from(blobs).where(eq(blobs.key, used));
    expect(row?.n).toBe(0);
  });

  // Two connections are needed to interleave a store with a clean-up: PostgreSQL only (PGlite has
  // one connection, on which the two simply run one after the other).
  it.skipIf(testEngine() !== 'postgres')(
    'a clean-up running while a store starts to use an old blob leaves it in place',
    async () => {
      const bytes = bytesOf(700);
      const key = keyOf(bytes);
      expect((await putBlob(server.url, alice.accessToken, bytes)).status).toBe(201);
      const note = await createNoteWithDocument(server.url, alice, `Race ${randomUUID()}`);
      const later = new Date(Date.now() + 25 * 3600 * 1000);
      let referenced!: () => void;
      const referenceWritten = new Promise<void>((resolve) => {
        referenced = resolve;
      });
      let commit!: () => void;
      const committing = new Promise<void>((resolve) => {
        commit = resolve;
      });
      // A store's transaction that has written the reference and not yet committed.
      const store = db().transaction(async (tx) => {
        await syncNoteBlobReferences(tx, { id: note.noteId, user_id: alice.userId }, [key]);
        referenced();
        await committing;
      });
      await referenceWritten;
      const collected = await server.server.services.blobs.collectGarbage(later);
      commit();
      await store;
      expect(collected.blobs).toBe(0);
      const kept = await getBlob(server.url, alice.accessToken, key);
      expect(kept.status).toBe(200);
      // Once committed, the reference keeps it through later clean-ups too.
      await server.server.services.blobs.collectGarbage(later);
      expect((await getBlob(server.url, alice.accessToken, key)).status).toBe(200);
    },
  );

  it("never counts another user's note as a reference to one's blob", async () => {
    const bob = await registerUser(server.url);
    const bytes = bytesOf(500);
    const key = keyOf(bytes);
    expect((await putBlob(server.url, alice.accessToken, bytes)).status).toBe(201);
    // Bob's note references the same key: that must not keep Alice's blob alive.
    const bobs = await createNoteWithDocument(server.url, bob, `Bob ${randomUUID()}`);
    appendBlobBlocks(bobs.doc, [{ flavour: 'affine:image', sourceId: key }]);
    await bobs.push();
    await waitForBlobKeys(server.url, bob, bobs.noteId, [key]);
    await server.server.services.blobs.collectGarbage(new Date(Date.now() + 25 * 3600 * 1000));
    expect((await getBlob(server.url, alice.accessToken, key)).status).toBe(404);
  });

  it('removes the chunks of an upload abandoned by a process that died, once old enough', async () => {
    const storageId = randomUUID();
    const liveId = randomUUID();
    await db()
      .insert(blobChunks)
      .values([
        {
          storage_id: storageId,
          seq: 0,
          data: new Uint8Array([1, 2, 3]),
          created_at: new Date(Date.now() - 2 * 3600_000),
        },
        { storage_id: storageId, seq: 1, data: new Uint8Array([4]) },
        { storage_id: liveId, seq: 0, data: new Uint8Array([5]) },
      ]);
    const collected = await server.server.services.blobs.collectGarbage();
    expect(collected.abandonedUploads).toBe(1);
    expect(await chunkCount(storageId)).toBe(0);
    // An upload in progress (first chunk recent) is left alone.
    expect(await chunkCount(liveId)).toBe(1);
    await db().delete(blobChunks).where(eq(blobChunks.storage_id, liveId));
  });
});

describe('uploads in flight', () => {
  const newestUploadChunks = async () => {
    const rows = await db()
      .select({ storage_id: blobChunks.storage_id, n: count() })
      .from(blobChunks)
      .groupBy(blobChunks.storage_id)
      .orderBy(sql`max(${blobChunks.created_at}) desc`)
      .limit(1);
    return rows[0]?.n ?? 0;
  };

  it('writes chunks while the body is still arriving (the whole body is never held), then stores it', async () => {
    const bytes = bytesOf(8 * MIB);
    const upload = startUpload(server.url, alice, keyOf(bytes), bytes.length, bytes.subarray(0, 5 * MIB));
    // Five of eight MiB sent and the request not finished: at least four chunks are stored already.
    await eventually(async () => (await newestUploadChunks()) >= 4, 30_000, 'chunks written during the upload');
    upload.req.end(bytes.subarray(5 * MIB));
    const answer = await upload.answered;
    expect(answer.status, answer.body).toBe(201);
    const read = await getBlob(server.url, alice.accessToken, keyOf(bytes));
    expect(read.bytes.equals(bytes)).toBe(true);
  });

  it('leaves nothing behind when the client hangs up half-way', async () => {
    const before = await chunkCount();
    const bytes = bytesOf(4 * MIB);
    const upload = startUpload(server.url, alice, keyOf(bytes), bytes.length, bytes.subarray(0, 3 * MIB));
    upload.answered.catch(() => {});
    await eventually(async () => (await chunkCount()) >= before + 2, 30_000, 'chunks of the cut upload');
    upload.req.destroy();
    await eventually(async () => (await chunkCount()) === before, 30_000, 'cut upload removed');
    const [row] = await db()
      .select({ n: count() })
      .from(blobs)
      .where(eq(blobs.key, keyOf(bytes)));
    expect(row?.n).toBe(0);
    expect((await getBlob(server.url, alice.accessToken, keyOf(bytes))).status).toBe(404);
  });
});
