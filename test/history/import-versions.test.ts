// Versions and imports (docs/history-and-trash.md, "Imports"): each document an import writes
// becomes a version naming the import and the device that ran it; an import never replaces the
// document of a note that exists, so a re-import leaves edited documents (and their history) as
// they are; an archive's documents become versions of exactly the bytes it holds.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { notes, noteVersions } from '../../src/db/schema/index.ts';
import { importFrameLordExport } from '../../src/domain/import/import-service.ts';
import { decompressState } from '../../src/domain/history/version-store.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import type { TestServer } from '../helpers/server.ts';
import { startServerWithUsers } from '../helpers/server-with-users.ts';
import { importedId, loadSample } from '../import/support.ts';
import { contentOfState, setFirstParagraph } from './blocksuite-edits.ts';
import { type Device, signIn } from './devices.ts';

let server: TestServer;
let alice: RegisteredUser;

interface VersionRow {
  id: string;
  title: string | null;
  source: string;
  size: number;
  device_id: string | null;
  device_name: string | null;
  import_id: string | null;
}

const SAMPLE_NOTE = 'note-1763719357114';

const versionsOf = async (noteId: string, token: string): Promise<VersionRow[]> => {
  const response = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history?per_page=100`, { token });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.data as VersionRow[];
};

/** The note's whole document as the server holds it (stored state and log), and its snapshot. */
async function documentOf(noteId: string, token: string) {
  const doc = await request(server.url, 'POST', `/api/v1/notes/${noteId}/doc`, { token, body: {} });
  expect(doc.status).toBe(200);
  const note = await request(server.url, 'GET', `/api/v1/notes/${noteId}`, { token });
  return {
    state: new Uint8Array(Buffer.from(doc.body.data.update as string, 'base64')),
    title: note.body.data.title as string,
    snapshot: note.body.data.blocksuite_snapshot as unknown,
  };
}

const importFile = async (token: string, file: unknown, query = '') => {
  const response = await request(server.url, 'POST', `/api/v1/import${query}`, { token, body: file });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.data as { import_id: string; dry_run: boolean };
};

beforeAll(async () => {
  [server, alice] = await startServerWithUsers(1, { HISTORY_INTERVAL_MINUTES: '0' });
});
afterAll(async () => server?.destroy());

describe('an import and the version history', () => {
  let noteId: string;
  let importer: Device;
  let firstImport: string;

  it('keeps each document it creates as a version naming the import and the device', async () => {
    importer = await signIn(server.url, alice, `Importer/${randomUUID()}`);
    const dry = await importFile(importer.token, loadSample(), '?dry_run=true');
    expect(dry.dry_run).toBe(true);
    const { db } = server.server.services;
    // A dry run writes nothing, versions included.
    expect(await db.select().from(noteVersions).where(eq(noteVersions.user_id, alice.userId))).toHaveLength(0);

    const summary = await importFile(importer.token, loadSample());
    expect(summary.import_id).toMatch(/^[0-9a-f-]{36}$/);
    firstImport = summary.import_id;
    noteId = await importedId(db, alice.userId, 'notes', SAMPLE_NOTE);
    const versions = await versionsOf(noteId, importer.token);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({
      source: 'import',
      title: 'Q1 Planning',
      import_id: firstImport,
      device_id: importer.sessionId,
      device_name: importer.name,
    });
    // The version is the imported document itself.
    const detail = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history/${versions[0]?.id}`, {
      token: importer.token,
    });
    const document = await documentOf(noteId, importer.token);
    expect(Buffer.from(detail.body.data.state as string, 'base64').equals(Buffer.from(document.state))).toBe(true);
    expect(detail.body.data.text).toContain('Goals for Q1 2026');
    // Every note of the file has its version, one each.
    const all = await db
      .select({ note: noteVersions.note_id })
      .from(noteVersions)
      .where(and(eq(noteVersions.user_id, alice.userId), eq(noteVersions.import_id, firstImport)));
    expect(all).toHaveLength(loadSample().framelord_notes.length);
    expect(new Set(all.map((row) => row.note)).size).toBe(all.length);
  });

  it('never replaces the document of a note that exists: a re-import leaves an edited document as it is', async () => {
    // The user edits the imported note.
    const before = await documentOf(noteId, alice.accessToken);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, before.state);
    const vector = Y.encodeStateVector(doc);
    setFirstParagraph(doc, 'Edited after the import');
    const edit = await request(server.url, 'POST', `/api/v1/notes/${noteId}/doc`, {
      token: alice.accessToken,
      body: { update: Buffer.from(Y.encodeStateAsUpdate(doc, vector)).toString('base64') },
    });
    expect(edit.status).toBe(200);
    expect(await server.server.services.documents.compactNow(noteId)).toBe(true);
    const edited = await documentOf(noteId, alice.accessToken);
    expect(contentOfState(edited.state).text).toContain('Edited after the import');
    const history = await versionsOf(noteId, alice.accessToken);

    // The same export again, and a later one whose record of the note has other content and title.
    const again = await importFile(importer.token, loadSample());
    expect(again.import_id).not.toBe(firstImport);
    const later = loadSample();
    const record = later.framelord_notes.find((note: { id: string }) => note.id === SAMPLE_NOTE);
    record.title = 'Q1 Planning, rewritten';
    record.content = 'Entirely different content from a later export';
    record.updatedAt = new Date(Date.now() + 60_000).toISOString();
    const changed = await importFile(importer.token, later);

    const after = await documentOf(noteId, alice.accessToken);
    expect(Buffer.from(after.state).equals(Buffer.from(edited.state))).toBe(true);
    expect(after.title).toBe(edited.title);
    expect(after.snapshot).toEqual(edited.snapshot);
    expect(contentOfState(after.state).text).not.toContain('Entirely different content');
    // Nothing replaced, so nothing to keep: the history is as it was, with no version of either run.
    expect(await versionsOf(noteId, alice.accessToken)).toEqual(history);
    const { db } = server.server.services;
    for (const run of [again.import_id, changed.import_id]) {
      const rows = await db.select().from(noteVersions).where(eq(noteVersions.import_id, run));
      expect(rows, `versions of import ${run}`).toHaveLength(0);
    }
  });

  it('takes no versions when HISTORY is off', async () => {
    const { db, blobs } = server.server.services;
    const user = await registerUser(server.url);
    const summary = await importFrameLordExport(db, user.userId, loadSample(), {
      blobs,
      history: { enabled: false, intervalMinutes: 0, retentionDays: 30, minVersions: 20 },
    });
    expect(summary.tables.find((table) => table.table === 'notes')?.added).toBeGreaterThan(0);
    expect(await db.select().from(noteVersions).where(eq(noteVersions.user_id, user.userId))).toHaveLength(0);
  });

  it("keeps an archive's documents as versions of the very bytes it holds", async () => {
    const archive = new Uint8Array(
      await (
        await fetch(`${server.url}/api/v1/export/archive`, {
          headers: { authorization: `Bearer ${alice.accessToken}` },
        })
      ).arrayBuffer(),
    );
    const files = unzipSync(archive);
    const manifest = JSON.parse(Buffer.from(files['manifest.json'] as Uint8Array).toString('utf8'));
    const mover = await registerUser(server.url);
    const device = await signIn(server.url, mover, `Mover/${randomUUID()}`);
    const response = await fetch(`${server.url}/api/v1/import/archive`, {
      method: 'POST',
      headers: { authorization: `Bearer ${device.token}`, 'content-type': 'application/zip' },
      body: archive,
    });
    const summary = (await response.json()) as { data: { import_id: string; documents: number } };
    expect(response.status, JSON.stringify(summary)).toBe(200);
    expect(summary.data.documents).toBeGreaterThan(0);

    const { db, documents } = server.server.services;
    const moved = await importedId(db, mover.userId, 'notes', SAMPLE_NOTE);
    const versions = await versionsOf(moved, device.token);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({
      source: 'import',
      import_id: summary.data.import_id,
      device_id: device.sessionId,
      device_name: device.name,
    });
    const [row] = await db
      .select()
      .from(noteVersions)
      .where(eq(noteVersions.id, versions[0]?.id ?? ''));
    const held = files[manifest.notes[SAMPLE_NOTE].state as string] as Uint8Array;
    const versionState = await decompressState(row?.state as Uint8Array, documents.maxDocumentBytes);
    expect(Buffer.from(versionState).equals(Buffer.from(held))).toBe(true);
    // The edit made before the export is in it: the archive's document, not one rebuilt from data.json.
    expect(contentOfState(versionState).text).toContain('Edited after the import');
    const count = await db
      .select({ id: noteVersions.id })
      .from(noteVersions)
      .innerJoin(notes, eq(notes.id, noteVersions.note_id))
      .where(eq(noteVersions.import_id, summary.data.import_id));
    expect(count).toHaveLength(summary.data.documents);
  });
});
