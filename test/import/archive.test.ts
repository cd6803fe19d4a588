// The account archive (docs/accounts.md): GET /api/v1/export/archive, POST /api/v1/import/archive
// and `npm run export -- --archive`. An archive imported into an empty account reproduces it:
// every entity, and each note's document the same bytes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { strFromU8, unzipSync, zipSync, strToU8 } from 'fflate';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importIdMap, notes } from '../../src/db/schema/index.ts';
import { blobKeyOf } from '../../src/domain/blobs/blob-key.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { connectProvider, waitAcknowledged, waitSynced } from '../helpers/collab.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import { REPO_ROOT, startTestServer, testEnvironment, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let owner: RegisteredUser;
let scratch: string;
/** A blob of the account: bytes that compress badly, spanning several store chunks. */
const IMAGE = new Uint8Array(Array.from({ length: 2_500_000 }, (_, index) => (index * 2654435761) >>> 24));

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'fl-archive-'));
  server = await startTestServer();
  owner = await registerUser(server.url);
  // Notes with live-edited documents, and other entities around them.
  for (const [index, text] of ['First document, written live.', 'Second one, with more words in it.'].entries()) {
    const client = connectProvider(server.collabUrl, `archive-${index}-${randomUUID()}`, owner.accessToken);
    await waitSynced(client);
    client.doc.getText('text').insert(0, text);
    client.doc.getMap('meta').set('index', index);
    await waitAcknowledged(client);
    client.destroy();
  }
  const uploaded = await fetch(`${server.url}/api/v1/blobs/${blobKeyOf(IMAGE)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'image/png' },
    body: IMAGE,
  });
  expect(uploaded.status).toBe(201);
  const task = await request(server.url, 'POST', '/api/v1/tasks', {
    token: owner.accessToken,
    body: { title: 'Archived task', contact_id: owner.contactZeroId },
  });
  expect(task.status).toBe(201);
  const contact = await request(server.url, 'POST', '/api/v1/contacts', {
    token: owner.accessToken,
    body: { full_name: 'Grace Hopper', relationship_domain: 'business', relationship_role: 'mentor' },
  });
  expect(contact.status).toBe(201);
});
afterAll(async () => {
  await server?.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

async function downloadArchive(token: string): Promise<Uint8Array> {
  const response = await fetch(`${server.url}/api/v1/export/archive`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/zip');
  expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="framelord-archive-.*\.zip"/);
  return new Uint8Array(await response.arrayBuffer());
}

async function postArchive(token: string, bytes: Uint8Array) {
  const response = await fetch(`${server.url}/api/v1/import/archive`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' },
    body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function documentsById(userId: string) {
  const rows = await server.server.services.db
    .select({
      id: notes.id,
      title: notes.title,
      blocksuite_doc_id: notes.blocksuite_doc_id,
      snapshot: notes.blocksuite_snapshot,
    })
    .from(notes)
    .where(eq(notes.user_id, userId));
  const documents = new Map<string, { state: Uint8Array | null; snapshot: unknown; docId: string }>();
  for (const row of rows) {
    const state = await server.server.services.documents.currentState({
      id: row.id,
      blocksuite_doc_id: row.blocksuite_doc_id,
    } as never);
    documents.set(row.id, { state, snapshot: row.snapshot, docId: row.blocksuite_doc_id });
  }
  return documents;
}

const contentOf = (state: Uint8Array | null) => {
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, state);
  return { text: doc.getText('text').toString(), meta: doc.getMap('meta').toJSON() };
};

describe('GET /api/v1/export/archive', () => {
  it('holds the manifest, every entity as JSON, and each note’s Yjs state and snapshot', async () => {
    const files = unzipSync(await downloadArchive(owner.accessToken));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!));
    expect(manifest).toMatchObject({
      format: 'framelord-sync-archive',
      version: 1,
      account: { email: owner.email, full_name: 'Test User' },
    });
    const data = JSON.parse(strFromU8(files['data.json']!));
    expect(data.framelord_notes).toHaveLength(2);
    expect(data.framelord_tasks.map((task: { title: string }) => task.title)).toEqual(['Archived task']);
    expect(data.framelord_contacts.map((c: { fullName?: string; name?: string }) => c.fullName ?? c.name)).toContain(
      'Grace Hopper',
    );
    expect(manifest.blobs).toEqual([
      { key: blobKeyOf(IMAGE), content_type: 'image/png', size: IMAGE.byteLength, file: `blobs/${blobKeyOf(IMAGE)}` },
    ]);
    expect(Buffer.from(files[`blobs/${blobKeyOf(IMAGE)}`]!).equals(Buffer.from(IMAGE))).toBe(true);
    const stored = await documentsById(owner.userId);
    expect(Object.keys(manifest.notes)).toHaveLength(2);
    for (const entry of Object.values(manifest.notes) as Array<{ state: string }>) {
      const bytes = files[entry.state];
      expect(bytes).toBeDefined();
      const matching = [...stored.values()].filter(
        (doc) => doc.state && Buffer.from(doc.state).equals(Buffer.from(bytes!)),
      );
      expect(matching).toHaveLength(1);
    }
  });

  it('needs a token', async () => {
    const response = await request(server.url, 'GET', '/api/v1/export/archive');
    expectErrorEnvelope(response, 401, 'UNAUTHORIZED');
  });
});

describe('POST /api/v1/import/archive', () => {
  it('reproduces the account in an empty one: entities, and every document byte for byte', async () => {
    const archive = await downloadArchive(owner.accessToken);
    const newcomer = await registerUser(server.url);
    const imported = await postArchive(newcomer.accessToken, archive);
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.data.documents).toBe(2);
    expect(imported.body.data.blobs).toBe(1);
    const blob = await fetch(`${server.url}/api/v1/blobs/${blobKeyOf(IMAGE)}`, {
      headers: { authorization: `Bearer ${newcomer.accessToken}` },
    });
    expect(blob.status).toBe(200);
    expect(blob.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.from(IMAGE))).toBe(true);

    const before = await documentsById(owner.userId);
    const after = await documentsById(newcomer.userId);
    expect(after.size).toBe(before.size);
    // The import names each copy by the id it had (import_id_map: source → target).
    const mapped = await server.server.services.db
      .select({ source: importIdMap.source_id, target: importIdMap.target_id })
      .from(importIdMap)
      .where(and(eq(importIdMap.user_id, newcomer.userId), eq(importIdMap.store, 'notes')));
    expect(mapped).toHaveLength(2);
    for (const [noteId, original] of before) {
      const target = mapped.find((row) => row.source === noteId)?.target;
      const copy = target ? after.get(target) : undefined;
      expect(copy, noteId).toBeDefined();
      expect(Buffer.from(copy!.state!).equals(Buffer.from(original.state!))).toBe(true);
      expect(contentOf(copy!.state)).toEqual(contentOf(original.state));
      expect(copy!.snapshot).toEqual(original.snapshot);
    }
    const tasks = await request(server.url, 'GET', '/api/v1/tasks', { token: newcomer.accessToken });
    expect(tasks.body.data.map((task: { title: string }) => task.title)).toEqual(['Archived task']);
    const contacts = await request(server.url, 'GET', '/api/v1/contacts', { token: newcomer.accessToken });
    expect(contacts.body.data.map((c: { full_name: string }) => c.full_name)).toContain('Grace Hopper');

    // The copy exports the same documents again.
    const again = unzipSync(await downloadArchive(newcomer.accessToken));
    const manifest = JSON.parse(strFromU8(again['manifest.json']!));
    expect(Object.keys(manifest.notes)).toHaveLength(2);
  });

  it('refuses an account that already has notes, a file that is not a zip, and a zip that is not an archive', async () => {
    const archive = await downloadArchive(owner.accessToken);
    expectErrorEnvelope(await postArchive(owner.accessToken, archive), 409, 'CONFLICT');
    const empty = await registerUser(server.url);
    expectErrorEnvelope(await postArchive(empty.accessToken, strToU8('not a zip at all')), 400, 'VALIDATION_ERROR');
    const other = zipSync({ 'manifest.json': strToU8(JSON.stringify({ format: 'something-else' })) });
    expectErrorEnvelope(await postArchive(empty.accessToken, other), 400, 'VALIDATION_ERROR');
    const notes = await request(server.url, 'GET', '/api/v1/notes', { token: empty.accessToken });
    expect(notes.body.data).toEqual([]);
  });
});

describe('npm run export -- --archive', { timeout: 180_000 }, () => {
  it('writes the same archive to a file', async () => {
    const file = path.join(scratch, 'account.zip');
    const served = unzipSync(await downloadArchive(owner.accessToken));
    // PGlite's directory belongs to one process: the server steps aside while the CLI runs.
    await server.stop();
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--experimental-strip-types',
          '--no-warnings=ExperimentalWarning',
          path.join(REPO_ROOT, 'src/cli/export.ts'),
          '--email',
          owner.email,
          '--archive',
          file,
        ],
        {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH ?? '', ...testEnvironment(server.database) },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.once('close', (code) => resolve({ code, stderr }));
    });
    server = await server.restart();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Exported ${owner.email} to ${file}`);
    const files = unzipSync(new Uint8Array(readFileSync(file)));
    expect(Object.keys(files).sort()).toEqual(expect.arrayContaining(['data.json', 'manifest.json']));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!));
    expect(manifest.account.email).toBe(owner.email);
    expect(Object.keys(manifest.notes)).toHaveLength(2);
    // The same files as the HTTP archive: documents and blobs byte for byte, the JSON files equal
    // but for the moment of the export.
    expect(Object.keys(files).sort()).toEqual(Object.keys(served).sort());
    const timeless = (bytes: Uint8Array) => {
      const { exported_at: _manifestTime, exportedAt: _dataTime, ...rest } = JSON.parse(strFromU8(bytes));
      return rest;
    };
    for (const [name, bytes] of Object.entries(files)) {
      if (name.endsWith('.json') && !name.startsWith('notes/'))
        expect(timeless(bytes), name).toEqual(timeless(served[name]!));
      else expect(Buffer.from(bytes).equals(Buffer.from(served[name]!)), name).toBe(true);
    }
  });
});
