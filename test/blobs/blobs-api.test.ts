// docs/blobs.md: the blob API over real HTTP on the real server (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): hash check, idempotent PUT, per-user isolation, Range, HEAD, limits, quota.
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobChunks, blobs } from '../../src/db/schema/index.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { answerToDeclaredSize, bytesOf, chunkedBody, getBlob, keyOf, putBlob, send, sendRefusable } from './support.ts';

const MIB = 1024 * 1024;
let server: TestServer;
let alice: RegisteredUser;
let bob: RegisteredUser;

const chunkRows = async () => {
  const [row] = await server.server.services.db.select({ n: count() }).from(blobChunks);
  return row?.n ?? 0;
};
const blobRows = async (key: string) =>
  server.server.services.db.select({ user_id: blobs.user_id }).from(blobs).where(eq(blobs.key, key));

beforeAll(async () => {
  server = await startTestServer({ BLOB_MAX_BYTES: String(6 * MIB), BLOB_QUOTA_BYTES: String(12 * MIB) });
  alice = await registerUser(server.url);
  bob = await registerUser(server.url);
});

afterAll(async () => {
  await server?.destroy();
});

describe('PUT /api/v1/blobs/:key', () => {
  it('stores bytes under their hash (201), and a second PUT of the key changes nothing (200)', async () => {
    const bytes = bytesOf(3000);
    const key = keyOf(bytes);
    const first = await putBlob(server.url, alice.accessToken, bytes, 'image/png');
    expect(first.status, first.bytes.toString()).toBe(201);
    expect(first.json.data).toMatchObject({ key, size: 3000, content_type: 'image/png' });
    expect(first.headers.get('etag')).toBe(`"${key}"`);

    const chunksBefore = await chunkRows();
    const again = await putBlob(server.url, alice.accessToken, bytes, 'image/png');
    expect(again.status).toBe(200);
    expect(again.json.data).toEqual(first.json.data);
    // No second copy: neither a second row nor a byte more stored.
    expect(await blobRows(key)).toHaveLength(1);
    expect(await chunkRows()).toBe(chunksBefore);

    const read = await getBlob(server.url, alice.accessToken, key);
    expect(read.status).toBe(200);
    expect(read.bytes.equals(bytes)).toBe(true);
    expect(read.headers.get('content-type')).toBe('image/png');
    expect(read.headers.get('etag')).toBe(`"${key}"`);
    expect(read.headers.get('cache-control')).toContain('private');
    expect(read.headers.get('cache-control')).toContain('immutable');
    expect(read.headers.get('content-length')).toBe('3000');
    expect(read.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers 400 VALIDATION_ERROR and stores nothing when the body is not what the key hashes', async () => {
    const before = await chunkRows();
    const claimed = keyOf(bytesOf(100));
    const response = await putBlob(server.url, alice.accessToken, bytesOf(2 * MIB + 5), 'image/png', claimed);
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('VALIDATION_ERROR');
    expect(response.json.error.details).toEqual([{ field: 'key', message: expect.stringContaining('SHA-256') }]);
    expect(await blobRows(claimed)).toEqual([]);
    expect(await chunkRows()).toBe(before);
    expect((await getBlob(server.url, alice.accessToken, claimed)).status).toBe(404);
  });

  it('refuses a key that is not a BlockSuite hash, and a Content-Type that is not a media type', async () => {
    const bytes = bytesOf(10);
    const badKey = await send(server.url, 'PUT', '/api/v1/blobs/not-a-hash', alice.accessToken, { body: bytes });
    expect(badKey.status).toBe(400);
    expect(badKey.json.error.details[0].field).toBe('key');
    const badType = await putBlob(server.url, alice.accessToken, bytes, 'not a type');
    expect(badType.status).toBe(400);
    expect(badType.json.error.details[0].field).toBe('content-type');
    // Standard base64 (with + or /) is not the URL-safe key BlockSuite uses.
    const standard = keyOf(bytes).replaceAll('-', '+').replaceAll('_', '/');
    if (standard !== keyOf(bytes)) {
      const response = await send(
        server.url,
        'PUT',
        `/api/v1/blobs/${encodeURIComponent(standard)}`,
        alice.accessToken,
        {
          body: bytes,
        },
      );
      expect(response.status).toBe(400);
    }
  });

  it('stores without a Content-Type as application/octet-stream, and an empty blob', async () => {
    const empty = new Uint8Array(0);
    const stored = await send(server.url, 'PUT', `/api/v1/blobs/${keyOf(empty)}`, alice.accessToken, { body: empty });
    expect(stored.status).toBe(201);
    expect(stored.json.data).toMatchObject({ size: 0, content_type: 'application/octet-stream' });
    const read = await getBlob(server.url, alice.accessToken, keyOf(empty));
    expect(read.status).toBe(200);
    expect(read.bytes.length).toBe(0);
  });

  it('streams a body without Content-Length across chunk boundaries', async () => {
    const bytes = bytesOf(2 * MIB + 12_345);
    const pieces = [bytes.subarray(0, 7), bytes.subarray(7, MIB + 3), bytes.subarray(MIB + 3)];
    const response = await send(server.url, 'PUT', `/api/v1/blobs/${keyOf(bytes)}`, alice.accessToken, {
      body: chunkedBody(pieces),
      headers: { 'content-type': 'application/pdf' },
    });
    expect(response.status, response.bytes.toString()).toBe(201);
    const read = await getBlob(server.url, alice.accessToken, keyOf(bytes));
    expect(read.bytes.equals(bytes)).toBe(true);
  });
});

describe('limits', () => {
  it('answers 413 PAYLOAD_TOO_LARGE over BLOB_MAX_BYTES, declared or streamed, and keeps nothing', async () => {
    const before = await chunkRows();
    const bytes = bytesOf(6 * MIB + 1);
    // Content-Length over the limit: refused before a byte is read.
    const declared = await answerToDeclaredSize(server.url, bob, keyOf(bytes), bytes.length);
    expect(declared.status).toBe(413);
    expect(declared.json.error.code).toBe('PAYLOAD_TOO_LARGE');

    // No Content-Length: refused once the streamed bytes pass the limit.
    const streamed = await sendRefusable(server.url, 'PUT', `/api/v1/blobs/${keyOf(bytes)}`, bob.accessToken, {
      body: chunkedBody([bytes.subarray(0, 3 * MIB), bytes.subarray(3 * MIB)]),
    });
    if (streamed !== 'closed') {
      expect(streamed.status).toBe(413);
      expect(streamed.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect(await chunkRows()).toBe(before);
    expect(await blobRows(keyOf(bytes))).toEqual([]);
  });

  it('answers 413 QUOTA_EXCEEDED with the usage in details once the quota would be passed', async () => {
    const user = await registerUser(server.url);
    for (let i = 0; i < 2; i++)
      expect((await putBlob(server.url, user.accessToken, bytesOf(5 * MIB))).status).toBe(201);
    const usage = await request(server.url, 'GET', '/api/v1/blobs/usage', { token: user.accessToken });
    expect(usage.body.data).toEqual({ used_bytes: 10 * MIB, quota_bytes: 12 * MIB, blob_count: 2 });

    // Declared 3 MiB but only a few bytes sent: the refusal comes from Content-Length alone.
    const declared = await answerToDeclaredSize(server.url, user, keyOf(bytesOf(8)), 3 * MIB);
    expect(declared.status).toBe(413);
    expect(declared.json.error.code).toBe('QUOTA_EXCEEDED');
    expect(declared.json.error.details).toEqual({
      used_bytes: 10 * MIB,
      quota_bytes: 12 * MIB,
      requested_bytes: 3 * MIB,
    });

    const bytes = bytesOf(3 * MIB);
    const streamed = await sendRefusable(server.url, 'PUT', `/api/v1/blobs/${keyOf(bytes)}`, user.accessToken, {
      body: chunkedBody([bytes]),
    });
    if (streamed !== 'closed') {
      expect(streamed.status).toBe(413);
      expect(streamed.json.error.code).toBe('QUOTA_EXCEEDED');
    }
    expect(await blobRows(keyOf(bytes))).toEqual([]);
    // What fits still fits.
    expect((await putBlob(server.url, user.accessToken, bytesOf(MIB))).status).toBe(201);
  });
});

describe('isolation between users', () => {
  it("answers another user's key exactly like a missing one, even when both stored the same bytes", async () => {
    const bytes = bytesOf(5000);
    const key = keyOf(bytes);
    expect((await putBlob(server.url, alice.accessToken, bytes)).status).toBe(201);

    const foreign = await getBlob(server.url, bob.accessToken, key);
    const missing = await getBlob(server.url, bob.accessToken, keyOf(bytesOf(5000)));
    expect(foreign.status).toBe(404);
    expect(foreign.json.error).toEqual(missing.json.error);
    expect((await send(server.url, 'HEAD', `/api/v1/blobs/${key}`, bob.accessToken)).status).toBe(404);
    expect((await send(server.url, 'DELETE', `/api/v1/blobs/${key}`, bob.accessToken)).status).toBe(404);
    const list = await request(server.url, 'GET', '/api/v1/blobs', { token: bob.accessToken });
    expect(list.body.data.map((blob: { key: string }) => blob.key)).not.toContain(key);

    // Bob uploading the same bytes is a new blob of his own (201, not "you have it"), and stays
    // when Alice deletes hers.
    expect((await putBlob(server.url, bob.accessToken, bytes)).status).toBe(201);
    expect((await send(server.url, 'DELETE', `/api/v1/blobs/${key}`, alice.accessToken)).status).toBe(204);
    expect((await getBlob(server.url, alice.accessToken, key)).status).toBe(404);
    const bobs = await getBlob(server.url, bob.accessToken, key);
    expect(bobs.status).toBe(200);
    expect(bobs.bytes.equals(bytes)).toBe(true);
  });

  it('needs a bearer token', async () => {
    const response = await fetch(`${server.url}/api/v1/blobs/${keyOf(bytesOf(1))}`);
    expect(response.status).toBe(401);
  });
});

describe('GET ranges, HEAD, conditional requests, list', () => {
  const bytes = bytesOf(2 * MIB + 100);
  const key = keyOf(bytes);
  beforeAll(async () => {
    expect((await putBlob(server.url, alice.accessToken, bytes, 'video/mp4')).status).toBe(201);
  });

  it('answers a single range with 206 and Content-Range, across chunk boundaries', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      [`bytes=${MIB - 10}-${MIB + 10}`, MIB - 10, MIB + 10],
      [`bytes=${MIB - 1}-`, MIB - 1, bytes.length - 1],
      ['bytes=-50', bytes.length - 50, bytes.length - 1],
      [`bytes=10-${10 * MIB}`, 10, bytes.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const part = await getBlob(server.url, alice.accessToken, key, { range });
      expect(part.status, range).toBe(206);
      expect(part.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${bytes.length}`);
      expect(part.headers.get('content-length'), range).toBe(String(end - start + 1));
      expect(part.bytes.equals(bytes.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers 416 RANGE_NOT_SATISFIABLE past the end, and ignores ranges it does not serve', async () => {
    const past = await getBlob(server.url, alice.accessToken, key, { range: `bytes=${bytes.length}-` });
    expect(past.status).toBe(416);
    expect(past.json.error.code).toBe('RANGE_NOT_SATISFIABLE');
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    const several = await getBlob(server.url, alice.accessToken, key, { range: 'bytes=0-1,5-6' });
    expect(several.status).toBe(200);
    expect(several.bytes.length).toBe(bytes.length);
  });

  it('answers HEAD with the headers only, and If-None-Match with 304', async () => {
    const head = await send(server.url, 'HEAD', `/api/v1/blobs/${key}`, alice.accessToken);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.headers.get('content-type')).toBe('video/mp4');
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect(head.bytes.length).toBe(0);
    const cached = await getBlob(server.url, alice.accessToken, key, { 'if-none-match': `"${key}"` });
    expect(cached.status).toBe(304);
  });

  it('lists the caller’s blobs newest first, paged', async () => {
    const first = await request(server.url, 'GET', '/api/v1/blobs?per_page=1', { token: alice.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual([
      { key, size: bytes.length, content_type: 'video/mp4', created_at: expect.any(String) },
    ]);
    expect(first.body.meta).toMatchObject({ page: 1, per_page: 1 });
    expect(first.body.meta.total).toBeGreaterThanOrEqual(2);
    const second = await request(server.url, 'GET', '/api/v1/blobs?per_page=1&page=2', { token: alice.accessToken });
    expect(second.body.data[0].key).not.toBe(key);
  });
});

describe('a blob removed while its download starts', () => {
  it('answers 404 NOT_FOUND, not a 200 whose connection is cut, when the bytes are gone after the lookup', async () => {
    // The moment between the lookup and the first chunk read, held still: the clean-up job (or a
    // delete from another device) has removed the chunks, the `blobs` row is still there.
    const bytes = bytesOf(3000);
    const key = keyOf(bytes);
    expect((await putBlob(server.url, alice.accessToken, bytes)).status).toBe(201);
    const { db } = server.server.services;
    const [row] = await db.select({ storage_id: blobs.storage_id }).from(blobs).where(eq(blobs.key, key));
    if (!row) throw new Error('the blob was not stored');
    await db.delete(blobChunks).where(eq(blobChunks.storage_id, row.storage_id));

    const gone = await getBlob(server.url, alice.accessToken, key);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('NOT_FOUND');
    const part = await getBlob(server.url, alice.accessToken, key, { range: 'bytes=10-20' });
    expect(part.status).toBe(404);

    await db.delete(blobs).where(eq(blobs.key, key));
  });
});
