// Text PostgreSQL cannot store (a NUL character anywhere; an unpaired UTF-16 surrogate in JSON)
// anywhere in an imported file is refused with 400 VALIDATION_ERROR naming where it is, and
// nothing is written: through POST /import, POST /import/archive (its data.json, each note's
// snapshot, the manifest) and an HTML note body whose entities decode to such a character.
import { randomUUID } from 'node:crypto';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { countUncompactedUpdates } from '../../src/domain/documents/update-log-stats.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { connectProvider, waitAcknowledged, waitSynced } from '../helpers/collab.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request, type JsonResponse } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { dumpDatabase, loadSample } from './support.ts';

let server: TestServer;
let db: Db;
let owner: RegisteredUser;
let archive: Record<string, Uint8Array>;

beforeAll(async () => {
  server = await startTestServer();
  db = server.server.services.db;
  owner = await registerUser(server.url);
  const client = connectProvider(server.collabUrl, `invalid-text-${randomUUID()}`, owner.accessToken);
  await waitSynced(client);
  client.doc.getText('text').insert(0, 'A document to archive.');
  await waitAcknowledged(client);
  client.destroy();
  // The archive holds a snapshot once the note is compacted (debounced): wait for it.
  const deadline = Date.now() + 60_000;
  while ((await countUncompactedUpdates(db)) > 0) {
    expect(Date.now(), 'compaction to finish').toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const response = await fetch(`${server.url}/api/v1/export/archive`, {
    headers: { authorization: `Bearer ${owner.accessToken}` },
  });
  expect(response.status).toBe(200);
  archive = unzipSync(new Uint8Array(await response.arrayBuffer()));
  expect(Object.keys(archive).some((file) => file.endsWith('.snapshot.json'))).toBe(true);
});
afterAll(async () => server?.destroy());

/** Posts `send` as a fresh account and expects a 400 naming `field`, with nothing written. */
async function expectRefused(send: (token: string) => Promise<JsonResponse>, field: RegExp) {
  const user = await registerUser(server.url);
  const before = await dumpDatabase(db);
  const response = await send(user.accessToken);
  expectErrorEnvelope(response, 400, 'VALIDATION_ERROR');
  const fields = (response.body.error.details as Array<{ field: string }>).map((detail) => detail.field);
  expect(
    fields.some((name) => field.test(name)),
    JSON.stringify(response.body.error),
  ).toBe(true);
  expect(await dumpDatabase(db)).toEqual(before);
}

const postFile = (file: unknown) => (token: string) =>
  request(server.url, 'POST', '/api/v1/import', { token, body: file });

/** The archive with some of its files changed. */
function archiveWith(change: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = { ...archive };
  change(files);
  return zipSync(files);
}

const postArchive = (bytes: Uint8Array) => async (token: string) => {
  const response = await fetch(`${server.url}/api/v1/import/archive`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' },
    body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
};

const editJson = (files: Record<string, Uint8Array>, name: string, edit: (value: any) => void) => {
  const value = JSON.parse(strFromU8(files[name] as Uint8Array));
  edit(value);
  files[name] = strToU8(JSON.stringify(value));
};

/** A JSON text whose string holds an escaped lone surrogate (JSON.stringify writes it so too). */
const LONE_SURROGATE = '\ud800';

describe('POST /api/v1/import', () => {
  it('a NUL in a record’s text', async () => {
    const file = loadSample();
    file.framelord_tasks[0].title = 'Call\u0000back';
    await expectRefused(postFile(file), /^framelord_tasks(\.|\[)0(\.|\]\.)title$/);
  });

  it('a NUL in an attachment’s file name', async () => {
    const file = loadSample();
    const interaction = file.interactions.find((record: any) => record.attachments?.length > 0);
    interaction.attachments[0].fileName = 'a\u0000.png';
    await expectRefused(postFile(file), /attachments(\.|\[)0(\.|\]\.)fileName$/);
  });

  it('an HTML body whose character reference names a surrogate decodes it as a browser does (U+FFFD)', async () => {
    const file = {
      framelord_notes: [
        { id: 'n1', title: 'Odd', createdAt: '2025-01-01T00:00:00.000Z', content: '<p>before &#xD800; after</p>' },
      ],
    };
    const user = await registerUser(server.url);
    const imported = await postFile(file)(user.accessToken);
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    const listed = await request(server.url, 'GET', '/api/v1/notes', { token: user.accessToken });
    const note = await request(server.url, 'GET', `/api/v1/notes/${listed.body.data[0].id}`, {
      token: user.accessToken,
    });
    expect(note.body.data.blocksuite_snapshot.text).toContain('before \ufffd after');
  });
});

describe('POST /api/v1/import/archive', () => {
  it('a NUL in data.json', async () => {
    const bytes = archiveWith((files) =>
      editJson(files, 'data.json', (data) => {
        data.framelord_contacts[0].fullName = 'Ada\u0000';
      }),
    );
    await expectRefused(postArchive(bytes), /^framelord_contacts\[0\]\.fullName$/);
  });

  it('a NUL in a note’s snapshot', async () => {
    const name = Object.keys(archive).find((file) => file.endsWith('.snapshot.json')) as string;
    const bytes = archiveWith((files) =>
      editJson(files, name, (snapshot) => {
        snapshot.title = 'Title\u0000';
      }),
    );
    await expectRefused(postArchive(bytes), new RegExp(`^${name.replace(/[.]/g, '\\.')}\\.title$`));
  });

  it('a lone surrogate in a note’s snapshot', async () => {
    const name = Object.keys(archive).find((file) => file.endsWith('.snapshot.json')) as string;
    const bytes = archiveWith((files) =>
      editJson(files, name, (snapshot) => {
        snapshot.text = `x${LONE_SURROGATE}y`;
      }),
    );
    await expectRefused(postArchive(bytes), new RegExp(`^${name.replace(/[.]/g, '\\.')}\\.text$`));
  });

  it('a NUL in the manifest', async () => {
    const bytes = archiveWith((files) => {
      files['blobs/x'] = strToU8('x');
      editJson(files, 'manifest.json', (manifest) => {
        manifest.blobs = [{ key: 'k', content_type: 'image/png\u0000', size: 1, file: 'blobs/x' }];
      });
    });
    await expectRefused(postArchive(bytes), /^manifest\.json\.blobs\.0\.content_type$/);
  });
});
