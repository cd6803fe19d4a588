// docs/blobs.md, "References and clean-up": the periodic job itself (every BLOB_GC_INTERVAL_SECONDS,
// here 1 s, with BLOB_GC_GRACE_HOURS=0: no grace) removes what no note uses and nothing a note
// uses, also while that note is archived; purging the note frees its blobs. No direct call to the
// clean-up: only the server's own timer. Real server, both engines.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { appendBlobBlocks } from '../../src/domain/blocksuite/index.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { eventually } from '../helpers/collab.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bytesOf, createNoteWithDocument, getBlob, keyOf, putBlob, waitForBlobKeys } from './support.ts';

let server: TestServer;
let alice: RegisteredUser;

const status = async (key: string) => (await getBlob(server.url, alice.accessToken, key)).status;

/** Uploads an unused blob and waits for the job to remove it: proof that a whole pass ran since. */
async function waitForAPass(): Promise<void> {
  const marker = bytesOf(100);
  expect((await putBlob(server.url, alice.accessToken, marker)).status).toBe(201);
  await eventually(async () => (await status(keyOf(marker))) === 404, 20_000, 'a clean-up pass');
}

beforeAll(async () => {
  server = await startTestServer({
    STORE_DEBOUNCE_MS: '50',
    STORE_MAX_DEBOUNCE_MS: '200',
    BLOB_GC_INTERVAL_SECONDS: '1',
    BLOB_GC_GRACE_HOURS: '0',
  });
  alice = await registerUser(server.url);
});

afterAll(async () => {
  await server?.destroy();
});

describe('the clean-up job', () => {
  it('reads its settings: defaults 3600 s and 24 h, a grace of 0 allowed, a negative one refused', () => {
    const defaults = loadConfig({}).blobs;
    expect(defaults).toEqual({
      maxBytes: 100 * 1024 * 1024,
      quotaBytes: 10 * 1024 * 1024 * 1024,
      gcIntervalSeconds: 3600,
      gcGraceHours: 24,
    });
    expect(loadConfig({ BLOB_GC_GRACE_HOURS: '0' }).blobs.gcGraceHours).toBe(0);
    expect(() => loadConfig({ BLOB_GC_GRACE_HOURS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ BLOB_GC_INTERVAL_SECONDS: '0' })).toThrow(ConfigError);
  });

  it('removes unused blobs on its own, never one a note uses (archived too), and frees it once the note is purged', async () => {
    // The note refers to the image before its upload, as when another device uploads it.
    const usedBytes = bytesOf(2000);
    const used = keyOf(usedBytes);
    const note = await createNoteWithDocument(server.url, alice, `Job ${randomUUID()}`);
    appendBlobBlocks(note.doc, [{ flavour: 'affine:image', sourceId: used }]);
    await note.push();
    await waitForBlobKeys(server.url, alice, note.noteId, [used]);
    expect((await putBlob(server.url, alice.accessToken, usedBytes)).status).toBe(201);

    const spare = bytesOf(2000);
    expect((await putBlob(server.url, alice.accessToken, spare)).status).toBe(201);
    await eventually(async () => (await status(keyOf(spare))) === 404, 20_000, 'the unused blob removed');
    await waitForAPass();
    const kept = await getBlob(server.url, alice.accessToken, used);
    expect(kept.status).toBe(200);
    expect(kept.bytes.equals(usedBytes)).toBe(true);

    // An archived note can be restored: it still uses the blob.
    expect(
      (await request(server.url, 'DELETE', `/api/v1/notes/${note.noteId}`, { token: alice.accessToken })).status,
    ).toBe(204);
    await waitForAPass();
    expect(await status(used)).toBe(200);

    // Purged for good: nothing uses the blob any more, and the next pass removes it.
    const purged = await request(server.url, 'DELETE', `/api/v1/trash/note/${note.noteId}`, {
      token: alice.accessToken,
    });
    expect(purged.status, JSON.stringify(purged.body)).toBe(204);
    await eventually(async () => (await status(used)) === 404, 20_000, 'the blob of the purged note removed');
  });
});
