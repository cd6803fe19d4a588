// Export is the import's inverse: export → import into another account → export gives the same
// data; importing your own export changes nothing; a later file updates what changed in it,
// except rows edited on the server since (last write wins).
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { contacts, notes, tasks } from '../../src/db/schema/index.ts';
import { importFrameLordExport } from '../../src/domain/import/import-service.ts';
import type { AuthContext } from '../../src/domain/auth/auth-context.ts';
import { createEntity, updateEntity } from '../../src/domain/resources/index.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { countUserRows, dumpDatabase, exportFile, importedId, loadSample } from './support.ts';

let server: TestServer;
let db: Db;
let alice: RegisteredUser;
let bob: RegisteredUser;
let carol: RegisteredUser;

beforeAll(async () => {
  server = await startTestServer();
  db = server.server.services.db;
  alice = await registerUser(server.url, { full_name: 'Alice' });
  bob = await registerUser(server.url, { full_name: 'Bob' });
  carol = await registerUser(server.url, { full_name: 'Carol' });
  await importFrameLordExport(db, alice.userId, loadSample(), { blobs: server.server.services.blobs });
});
afterAll(async () => server?.destroy());

// Edits go through the REST layer's domain functions (the code behind POST/PATCH), in process: an
// HTTP request right after seconds of database-bound work can meet a keep-alive socket the
// in-process server is just closing.
const authOf = (user: RegisteredUser): AuthContext => ({
  userId: user.userId,
  contactZeroId: user.contactZeroId,
  sessionId: 'test',
  email: user.email,
});

/** The data of an export, without what differs between two accounts by design. */
function comparable(file: any): any {
  const copy = structuredClone(file);
  delete copy.exportedAt;
  // Document ids are unique across users: the second account gets new ones (docs/formats/framelord-export.md §6.1).
  for (const note of copy.framelord_notes) delete note.blocksuiteDocId;
  // Topics are matched by slug; their ids are the rows' own.
  for (const topic of copy.topics) delete topic.id;
  // The PARA defaults are each account's own rows, created at registration.
  for (const folder of copy.folders) {
    if (/^folder-(projects|areas|resources|archive)$/.test(folder.id)) {
      delete folder.createdAt;
      delete folder.updatedAt;
    }
  }
  // Each account keeps its own profile (docs/formats/framelord-export.md §4.5).
  copy.framelord_contacts = copy.framelord_contacts.filter((contact: { id: string }) => contact.id !== 'contact_zero');
  return copy;
}

describe('export', () => {
  it('writes the format back: export → import into a second account → export gives the same data', async () => {
    const first = await exportFile(db, server.server.services.blobs, alice.userId);
    expect(first.framelord_contacts).toHaveLength(13);
    expect(first.framelord_notes).toHaveLength(29);
    const summary = await importFrameLordExport(db, bob.userId, JSON.parse(JSON.stringify(first)), {
      blobs: server.server.services.blobs,
    });
    expect(summary.warnings).toEqual([]);
    expect(await countUserRows(db, bob.userId)).toEqual(await countUserRows(db, alice.userId));
    const second = await exportFile(db, server.server.services.blobs, bob.userId);
    expect(comparable(second)).toEqual(comparable(first));
  });

  it("keeps the app's ids and writes each note's document as plain-text lines", async () => {
    const file: any = await exportFile(db, server.server.services.blobs, alice.userId);
    const byId = new Map(file.framelord_notes.map((note: { id: string }) => [note.id, note]));
    expect(byId.get('note-1763719357114')).toMatchObject({
      title: 'Q1 Planning',
      folderId: 'folder-projects',
      content: loadSample().framelord_notes.find((note: { id: string }) => note.id === 'note-1763719357114').content,
      blocksuiteDocId: expect.any(String),
    });
    expect((byId.get('note-1765134750588') as { content: string }).content).toBe(
      'Draft for @David Kim:\nRevenue up 18% MoM. R&D spend flat. See [[Q1 Planning]].\nRunway: 14 months\nAsk: intros to [[Logistics CTOs]]',
    );
    expect(byId.get('note-1765015092404')).toMatchObject({ isArchived: true });
    expect(file.framelord_contacts[0]).toMatchObject({
      id: 'contact_zero',
      fullName: 'Alice',
      relationshipRole: 'self',
    });
    expect(file.pipelineTemplates[0].stages.map((stage: { id: string }) => stage.id)).toEqual([
      'stage_1762442530448_0',
      'stage_1762442530448_1',
      'stage_1762442530448_2',
      'stage_1762442530448_3',
      'stage_1762442530448_4',
    ]);
    expect(file.framelord_tasks.find((task: { id: string }) => task.id === 'task-1764608700917').dueAt).toBe(
      '2025-12-12T00:00:00.000Z',
    );
  });

  it('importing your own export changes nothing, rows created on the server included', async () => {
    const created = await createEntity(db, authOf(carol), 'note', { title: 'Made here', tags: ['x'] });
    const task = await createEntity(db, authOf(carol), 'task', {
      title: 'Also made here',
      contact_id: carol.contactZeroId,
    });
    await importFrameLordExport(db, carol.userId, loadSample(), { blobs: server.server.services.blobs });
    const file = await exportFile(db, server.server.services.blobs, carol.userId);
    expect((file.framelord_notes as Array<{ id: string }>).map((note) => note.id)).toContain(created.entity.id);
    expect((file.framelord_tasks as Array<{ id: string }>).map((record) => record.id)).toContain(task.entity.id);
    const before = await dumpDatabase(db);
    const summary = await importFrameLordExport(db, carol.userId, JSON.parse(JSON.stringify(file)), {
      blobs: server.server.services.blobs,
    });
    expect(await dumpDatabase(db)).toEqual(before);
    expect(summary.tables.filter((row) => row.added + row.updated + row.removed > 0)).toEqual([]);
  });
});

describe('importing a later file', () => {
  it('updates the rows that changed in it, and only those', async () => {
    const file: any = await exportFile(db, server.server.services.blobs, alice.userId);
    const task = file.framelord_tasks.find((record: { id: string }) => record.id === 'task-1764608700917');
    task.title = 'Finalize board deck v2';
    const contact = file.framelord_contacts.find((record: { fullName: string }) => record.fullName === 'Amara Nwosu');
    contact.company = 'Nwosu & Co';
    const taskId = await importedId(db, alice.userId, 'tasks', 'task-1764608700917');
    const [before] = await db.select().from(tasks).where(eq(tasks.id, taskId));

    const summary = await importFrameLordExport(db, alice.userId, file, { blobs: server.server.services.blobs });
    const updated = Object.fromEntries(
      summary.tables.filter((row) => row.updated > 0).map((row) => [row.table, row.updated]),
    );
    expect(updated).toEqual({ tasks: 1, contacts: 1 });
    const [after] = await db.select().from(tasks).where(eq(tasks.id, taskId));
    expect(after).toMatchObject({ title: 'Finalize board deck v2', sync_version: (before?.sync_version ?? 0) + 1 });
    expect(after?.updated_at.getTime()).toBeGreaterThan(before?.updated_at.getTime() ?? 0);
  });

  it('keeps a row edited on the server after the time of the file (last write wins)', async () => {
    const contactId = await importedId(db, alice.userId, 'contacts', 'contact-1760462828952');
    await updateEntity(db, authOf(alice), 'contact', contactId, { company: 'Edited on the server' }, { mode: 'patch' });
    const noteId = await importedId(db, alice.userId, 'notes', 'note-1763719357114');
    await updateEntity(db, authOf(alice), 'note', noteId, { tags: ['mine'] }, { mode: 'patch' });

    // The original sample is older than both edits.
    const summary = await importFrameLordExport(db, alice.userId, loadSample(), {
      blobs: server.server.services.blobs,
    });
    const kept = Object.fromEntries(summary.tables.filter((row) => row.kept > 0).map((row) => [row.table, row.kept]));
    expect(kept).toMatchObject({ contacts: 1, notes: 1 });
    const [contact] = await db.select().from(contacts).where(eq(contacts.id, contactId));
    expect(contact?.company).toBe('Edited on the server');
    const [note] = await db.select({ tags: notes.tags }).from(notes).where(eq(notes.id, noteId));
    expect(note?.tags).toEqual(['mine']);
  });
});
