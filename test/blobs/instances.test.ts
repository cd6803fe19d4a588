// Blobs live in the database, not in a process: they survive a restart, and every instance on the
// same PostgreSQL serves them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerUser } from '../helpers/auth.ts';
import { testEngine } from '../helpers/database.ts';
import { startTestServer, startTestServerOn, type TestServer } from '../helpers/server.ts';
import { bytesOf, getBlob, keyOf, putBlob } from './support.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

it('a blob survives a restart of the server', async () => {
  const user = await registerUser(server.url);
  const bytes = bytesOf(300_000);
  const key = keyOf(bytes);
  expect((await putBlob(server.url, user.accessToken, bytes)).status).toBe(201);
  server = await server.restart();
  const read = await getBlob(server.url, user.accessToken, key);
  expect(read.status).toBe(200);
  expect(read.bytes.equals(bytes)).toBe(true);
});

it.skipIf(testEngine() !== 'postgres')('a blob uploaded to one instance is served by another', async () => {
  const user = await registerUser(server.url);
  const bytes = bytesOf(2_500_000);
  const key = keyOf(bytes);
  expect((await putBlob(server.url, user.accessToken, bytes)).status).toBe(201);
  const second = await startTestServerOn(server.database);
  try {
    const read = await getBlob(second.url, user.accessToken, key);
    expect(read.status).toBe(200);
    expect(read.bytes.equals(bytes)).toBe(true);
    // And a second PUT there is the same blob, not a copy.
    expect((await putBlob(second.url, user.accessToken, bytes)).status).toBe(200);
  } finally {
    await second.stop();
  }
});
