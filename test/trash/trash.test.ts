// The trash end to end (docs/history-and-trash.md): archiving stamps archived_at, the trash lists
// every type, a purge removes every row of the entity from every table and reaches devices as a
// `delete` in pull (also from a cursor older than the purge), retention purges after
// TRASH_RETENTION_DAYS, and nothing of another user is listed, restorable or purgeable.
import { randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { projectAttachments, tasks, topics } from '../../src/db/schema/index.ts';
import { fillBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { registerUser } from '../helpers/auth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { buildWorld, ok, apiFor, type Api, type World } from '../resources/world.ts';
import { syncClient } from '../sync/sync-client.ts';

let server: TestServer;
let world: World;
let interactionId: string;
let itemId: string;
let topicId: string;

/** Every (table, column) of type uuid: where an entity's id can appear. */
async function tablesHolding(id: string): Promise<string[]> {
  const { db } = server.server.services;
  const columns = await queryRows<{ table_name: string; column_name: string }>(
    db,
    sql`select table_name, column_name from information_schema.columns
        where table_schema = 'public' and data_type = 'uuid'`,
  );
  const found: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [row] = await queryRows<{ n: string | number }>(
      db,
      sql`select count(*) as n from ${sql.identifier(table_name)} where ${sql.identifier(column_name)} = ${id}::uuid`,
    );
    if (Number(row?.n) > 0) found.push(`${table_name}.${column_name}`);
  }
  return found.sort();
}

const trashOf = async (api: Api, query = '') => {
  const page = await ok(api.get(`/trash${query}`), 200);
  return page as Array<{ entity_type: string; id: string; title: string | null; archived_at: string }>;
};

beforeAll(async () => {
  server = await startTestServer({
    STORE_DEBOUNCE_MS: '50',
    STORE_MAX_DEBOUNCE_MS: '200',
    HISTORY_INTERVAL_MINUTES: '0',
    TRASH_RETENTION_DAYS: '1',
    TRASH_PURGE_INTERVAL_SECONDS: '86400',
  });
  world = await buildWorld(server.url);
  interactionId = (
    await ok(
      world.api.post('/interactions', {
        contact_id: world.contactId,
        type: 'call',
        summary: 'Roadmap call',
        occurred_at: '2025-05-01T10:00:00.000Z',
      }),
    )
  ).id;
  itemId = (
    await ok(
      world.api.post('/pipelines/items', {
        template_id: world.template2Id,
        current_stage_id: world.template2StageId,
        contact_id: world.contact2Id,
        label: 'Candidate',
      }),
    )
  ).id;
  // Topics are derived from documents (read-only over REST): one is archived in the database.
  const [topic] = await server.server.services.db
    .insert(topics)
    .values({
      user_id: world.userId,
      label: 'Old Topic',
      slug: `old-topic-${randomUUID()}`,
      is_archived: true,
      archived_at: new Date(),
    })
    .returning({ id: topics.id });
  topicId = topic?.id as string;
});

afterAll(async () => {
  await server?.destroy();
});

describe('the trash', () => {
  it('stamps archived_at on archive, lists every type newest first, filters by type, and clears it on restore', async () => {
    const { api } = world;
    const archived: Array<[string, string, string]> = [
      ['contact', '/contacts', world.contact2Id],
      ['note', '/notes', world.noteId],
      ['task', '/tasks', world.taskId],
      ['interaction', '/interactions', interactionId],
      ['folder', '/folders', world.folderId],
      ['group', '/groups', world.groupId],
      ['project', '/projects', world.projectId],
      ['pipeline_template', '/pipelines/templates', world.template2Id],
      ['pipeline_item', '/pipelines/items', itemId],
    ];
    for (const [, path, id] of archived) {
      expect((await api.del(`${path}/${id}`)).status).toBe(204);
      const row = await ok(api.get(`${path}/${id}`), 200);
      expect(row.is_archived).toBe(true);
      expect(Date.now() - Date.parse(row.archived_at)).toBeLessThan(60_000);
    }
    const listed = await trashOf(api, '?per_page=100');
    expect(new Set(listed.map((entry) => entry.entity_type))).toEqual(
      new Set([...archived.map(([type]) => type), 'topic']),
    );
    expect(listed.find((entry) => entry.id === world.contact2Id)?.title).toBe('Alan Turing');
    expect(listed.find((entry) => entry.id === topicId)?.title).toBe('Old Topic');
    const times = listed.map((entry) => Date.parse(entry.archived_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // Most recently archived first: the pipeline item was the last.
    expect(listed[0]?.id).toBe(itemId);

    const onlyTasks = await trashOf(api, '?type=task');
    expect(onlyTasks.map((entry) => entry.id)).toEqual([world.taskId]);
    const paged = await api.get('/trash?per_page=2&page=2');
    expect(paged.body.data).toHaveLength(2);
    expect(paged.body.meta).toMatchObject({ page: 2, per_page: 2, total: listed.length });
    expect((await api.get('/trash?type=nope')).status).toBe(400);

    // A body cannot set archived_at (server-owned), and restoring clears it.
    const restored = await ok(
      api.patch(`/tasks/${world.taskId}`, { is_archived: false, archived_at: '2000-01-01T00:00:00.000Z' }),
      200,
    );
    expect(restored.archived_at).toBeNull();
    expect((await trashOf(api, '?type=task')).map((entry) => entry.id)).toEqual([]);
  });

  it("lists, restores and purges nothing of another user's", async () => {
    const bob = await registerUser(server.url);
    const bobApi = apiFor(server.url, bob.accessToken);
    expect(await trashOf(bobApi)).toEqual([]);
    expect((await bobApi.del(`/trash/contact/${world.contact2Id}`)).status).toBe(404);
    expect((await bobApi.patch(`/contacts/${world.contact2Id}`, { is_archived: false })).status).toBe(404);
    expect(await ok(bobApi.post('/trash/empty', {}), 200)).toEqual({ purged: 0 });
    const still = await ok(world.api.get(`/contacts/${world.contact2Id}`), 200);
    expect(still.is_archived).toBe(true);
  });

  it('refuses to purge a row that is not archived, Contact Zero and default folders', async () => {
    const { api } = world;
    const live = await api.del(`/trash/contact/${world.contactId}`);
    expect(live.status).toBe(409);
    expect(live.body.error.code).toBe('CONFLICT');
    const zero = await api.del(`/trash/contact/${world.contactZeroId}`);
    expect(zero.status).toBe(403);
    const folder = await api.del(`/trash/folder/${world.defaultFolderIds[0]}`);
    expect(folder.status).toBe(403);
    expect((await api.del(`/trash/widget/${world.contactId}`)).status).toBe(400);
    expect((await api.del(`/trash/contact/not-a-uuid`)).status).toBe(404);
  });

  it('purges a contact with everything on it, leaving no row anywhere, and pull says delete even to an old cursor', async () => {
    const { api } = world;
    const sync = syncClient(server.url, world.user.accessToken);
    // A device that synced before the contact was even archived.
    const oldCursor = (await sync.pullAll()).cursor;
    const contact = await ok(
      api.post('/contacts', { full_name: 'Purge Me', relationship_domain: 'business', relationship_role: 'client' }),
    );
    const task = await ok(api.post('/tasks', { contact_id: contact.id, title: 'Hangs on the contact' }));
    const group = await ok(api.post('/groups', { name: 'Has a member', member_contact_ids: [contact.id] }));
    const note = await ok(api.post('/notes', { title: 'Targets it', target_contact_ids: [contact.id] }));
    const beforeCursor = (await sync.pullAll()).cursor;
    expect((await api.del(`/contacts/${contact.id}`)).status).toBe(204);

    expect((await api.del(`/trash/contact/${contact.id}`)).status).toBe(204);
    expect((await api.get(`/contacts/${contact.id}`)).status).toBe(404);
    expect((await api.get(`/tasks/${task.id}`)).status).toBe(404);
    // The change feed keeps the one row that tells devices (sync_changes.entity_id).
    expect(await tablesHolding(contact.id)).toEqual(['sync_changes.entity_id']);
    expect(await tablesHolding(task.id)).toEqual(['sync_changes.entity_id']);
    const groupNow = await ok(api.get(`/groups/${group.id}`), 200);
    expect(groupNow.member_contact_ids).toEqual([]);
    expect(groupNow.sync_version).toBeGreaterThan(group.sync_version);
    expect((await ok(api.get(`/notes/${note.id}`), 200)).target_contact_ids).toEqual([]);

    for (const cursor of [oldCursor, beforeCursor]) {
      const changes = (await sync.pullAll(cursor)).changes;
      const byId = new Map(changes.map((change) => [change.entity_id, change]));
      expect(byId.get(contact.id)).toMatchObject({ entity_type: 'contact', operation: 'delete', data: null });
      expect(byId.get(task.id)).toMatchObject({ entity_type: 'task', operation: 'delete', data: null });
      expect(byId.get(group.id)).toMatchObject({ operation: 'upsert' });
      expect(byId.get(note.id)).toMatchObject({ operation: 'upsert' });
    }
  });

  it('purges a contact that created a task or uploaded an attachment: both stay, pointing away from it, and devices pull them', async () => {
    const { api } = world;
    const { db } = server.server.services;
    const sync = syncClient(server.url, world.user.accessToken);
    const contact = await ok(
      api.post('/contacts', { full_name: 'Uploader', relationship_domain: 'business', relationship_role: 'client' }),
    );
    const task = await ok(api.post('/tasks', { contact_id: world.contactId, title: 'Survives its creator' }));
    const project = await ok(
      api.post('/projects', {
        name: 'Survives its uploader',
        primary_contact_id: world.contactId,
        attachments: [{ file_name: 'a.txt', mime_type: 'text/plain', data_url: 'data:text/plain;base64,aGk=' }],
      }),
    );
    // The API records Contact Zero as creator and uploader; an import names the file's own
    // contact as uploader, and older rows may name any contact: set both columns directly.
    await db.update(tasks).set({ created_by: contact.id }).where(eq(tasks.id, task.id));
    await db
      .update(projectAttachments)
      .set({ uploaded_by: contact.id })
      .where(eq(projectAttachments.project_id, project.id));
    const beforeCursor = (await sync.pullAll()).cursor;
    expect((await api.del(`/contacts/${contact.id}`)).status).toBe(204);

    expect((await api.del(`/trash/contact/${contact.id}`)).status).toBe(204);
    expect(await tablesHolding(contact.id)).toEqual(['sync_changes.entity_id']);
    const taskNow = await ok(api.get(`/tasks/${task.id}`), 200);
    expect(taskNow.sync_version).toBeGreaterThan(task.sync_version);
    const [taskRow] = await db.select({ created_by: tasks.created_by }).from(tasks).where(eq(tasks.id, task.id));
    expect(taskRow?.created_by).toBeNull();
    const projectNow = await ok(api.get(`/projects/${project.id}?include=attachments`), 200);
    expect(projectNow.sync_version).toBeGreaterThan(project.sync_version);
    expect(projectNow.attachments).toHaveLength(1);
    // uploaded_by is NOT NULL: the owner's Contact Zero becomes the uploader, as in an import.
    expect(projectNow.attachments[0].uploaded_by).toBe(world.contactZeroId);

    const byId = new Map((await sync.pullAll(beforeCursor)).changes.map((change) => [change.entity_id, change]));
    expect(byId.get(contact.id)).toMatchObject({ entity_type: 'contact', operation: 'delete' });
    expect(byId.get(task.id)).toMatchObject({ entity_type: 'task', operation: 'upsert' });
    expect(byId.get(project.id)).toMatchObject({ entity_type: 'project', operation: 'upsert' });
  });

  it('purges a note with its document, update log, versions, references, links and topic links', async () => {
    const { api } = world;
    const target = await ok(api.post('/notes', { title: 'Linked Target' }));
    const note = await ok(api.post('/notes', { title: 'Doomed' }));
    const doc = new Y.Doc();
    fillBlockSuiteDocument(doc, 'Doomed', ['see [[Linked Target]] and [[Some Topic]]']);
    const synced = await api.post(`/notes/${note.id}/doc`, {
      update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64'),
    });
    expect(synced.status).toBe(200);
    const { documents } = server.server.services;
    await documents.compactNow(note.id);
    // One more logged update stays uncompacted: the purge must take the log too.
    const before = Y.encodeStateVector(doc);
    fillBlockSuiteDocument(doc, '', ['tail']);
    await documents.appendUpdate(note.id, Y.encodeStateAsUpdate(doc, before));
    const links = await ok(api.get(`/notes/${note.id}/links`), 200);
    expect(links.map((link: { note_id: string }) => link.note_id)).toEqual([target.id]);
    const history = await ok(api.get(`/notes/${note.id}/history`), 200);
    expect(history.length).toBeGreaterThan(0);
    const holdingBefore = await tablesHolding(note.id);
    for (const table of [
      'note_updates.note_id',
      'note_versions.note_id',
      'note_references.note_id',
      'note_links.source_note_id',
      'note_topics.note_id',
    ])
      expect(holdingBefore).toContain(table);

    expect((await api.del(`/notes/${note.id}`)).status).toBe(204);
    expect((await api.del(`/trash/note/${note.id}`)).status).toBe(204);
    expect(await tablesHolding(note.id)).toEqual(['sync_changes.entity_id']);
    expect((await api.get(`/notes/${target.id}/backlinks`)).body.data).toEqual([]);
  });

  it('purges rows archived longer than TRASH_RETENTION_DAYS in the periodic job, and keeps younger ones', async () => {
    const { api } = world;
    const { db, retention } = server.server.services;
    const old = await ok(api.post('/tasks', { contact_id: world.contactId, title: 'Archived long ago' }));
    const recent = await ok(api.post('/tasks', { contact_id: world.contactId, title: 'Archived just now' }));
    for (const task of [old, recent]) expect((await api.del(`/tasks/${task.id}`)).status).toBe(204);
    await db.update(tasks).set({ archived_at: sql`now() - interval '2 days'` }).where(eq(tasks.id, old.id));
    const removed = await retention.runOnce();
    expect(removed.trash).toBeGreaterThanOrEqual(1);
    expect((await api.get(`/tasks/${old.id}`)).status).toBe(404);
    expect((await ok(api.get(`/tasks/${recent.id}`), 200)).is_archived).toBe(true);
    const left = await db
      .select({ id: tasks.id })
      .from(tasks)
      .where(inArray(tasks.id, [old.id, recent.id]));
    expect(left.map((row) => row.id)).toEqual([recent.id]);
  });

  it('empties the whole trash of the caller only, never Contact Zero or default folders', async () => {
    const { api } = world;
    const bob = await registerUser(server.url);
    const bobApi = apiFor(server.url, bob.accessToken);
    const bobTask = await ok(bobApi.post('/tasks', { contact_id: bob.contactZeroId, title: "Bob's" }));
    expect((await bobApi.del(`/tasks/${bobTask.id}`)).status).toBe(204);

    const before = await trashOf(api, '?per_page=100');
    expect(before.length).toBeGreaterThan(0);
    const emptied = await ok(api.post('/trash/empty', {}), 200);
    expect(emptied.purged).toBeGreaterThanOrEqual(before.length);
    expect(await trashOf(api)).toEqual([]);
    for (const entry of before) expect(await tablesHolding(entry.id)).toEqual(['sync_changes.entity_id']);
    expect((await ok(api.get(`/contacts/${world.contactZeroId}`), 200)).id).toBe(world.contactZeroId);
    for (const id of world.defaultFolderIds) expect((await api.get(`/folders/${id}`)).status).toBe(200);
    expect((await trashOf(bobApi)).map((entry) => entry.id)).toEqual([bobTask.id]);
  });
});
