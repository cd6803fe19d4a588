// The tenant-isolation matrix: every resource × every verb, for another user's ids, lists and
// foreign keys. User B must not be able to tell A's rows from rows that do not exist.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../src/db/schema/index.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import type { TestServer } from '../helpers/server.ts';
import { RESOURCE_CASES } from './cases.ts';
import { ok, type World, startServerWithWorlds } from './world.ts';

let server: TestServer;
let a: World;
let b: World;

beforeAll(async () => {
  [server, a, b] = await startServerWithWorlds(2);
});
afterAll(async () => server?.destroy());

describe.each(RESOURCE_CASES)('/$path', (resource) => {
  const base = `/${resource.path}`;

  it('answers 404 NOT_FOUND to another user for GET, PUT, PATCH and DELETE, exactly like a missing id, and changes nothing', async () => {
    const owned = await ok(a.api.post(base, resource.create(a)));
    for (const id of [owned.id, randomUUID(), 'not-a-uuid']) {
      expectErrorEnvelope(await b.api.get(`${base}/${id}`), 404, 'NOT_FOUND');
      expectErrorEnvelope(await b.api.put(`${base}/${id}`, resource.create(b)), 404, 'NOT_FOUND');
      expectErrorEnvelope(await b.api.patch(`${base}/${id}`, resource.patch(b)), 404, 'NOT_FOUND');
      expectErrorEnvelope(await b.api.del(`${base}/${id}`), 404, 'NOT_FOUND');
      expectErrorEnvelope(
        await b.api.patch(`${base}/${id}`, resource.patch(b), { 'If-Match': 'W/"1"' }),
        404,
        'NOT_FOUND',
      );
    }
    expect(await ok(a.api.get(`${base}/${owned.id}`), 200)).toEqual(owned);
  });

  it("never lists another user's rows, archived or not, whatever the filter", async () => {
    const owned = await ok(a.api.post(base, resource.create(a)));
    const archived = await ok(a.api.post(base, resource.create(a)));
    await a.api.del(`${base}/${archived.id}`);
    const queries = [
      'per_page=100&include_archived=true',
      ...Object.values(resource.filters).map((filter) => `${filter.query(a)}&per_page=100&include_archived=true`),
    ];
    for (const query of queries) {
      const listed = await ok(b.api.get(`${base}?${query}`), 200);
      for (const row of listed) expect(row.user_id, query).toBe(b.userId);
      expect(listed.map((row: { id: string }) => row.id)).not.toContain(owned.id);
      expect(listed.map((row: { id: string }) => row.id)).not.toContain(archived.id);
    }
  });

  it.each(Object.keys(resource.foreignKeys).map((field) => [field]))(
    "refuses a body pointing %s at another user's row with 400 on that field, on create and on PATCH",
    async (field) => {
      const value = resource.foreignKeys[field]?.(a);
      const created = await b.api.post(base, { ...resource.create(b), [field]: value });
      expectErrorEnvelope(created, 400, 'VALIDATION_ERROR');
      expect(created.body.error.details).toEqual([{ field, message: expect.any(String) }]);
      const own = await ok(b.api.post(base, resource.create(b)));
      const patched = await b.api.patch(`${base}/${own.id}`, { [field]: value });
      expectErrorEnvelope(patched, 400, 'VALIDATION_ERROR');
      expect(patched.body.error.details[0].field).toBe(field);
      const missing = await b.api.patch(`${base}/${own.id}`, {
        [field]: Array.isArray(value) ? [randomUUID()] : randomUUID(),
      });
      expect(missing.body.error.details).toEqual(patched.body.error.details);
    },
  );
});

describe("another user's nested collections and links", () => {
  it('answers 404 for every sub-resource route of an entity that is not yours', async () => {
    const attempts = [
      () => b.api.post(`/groups/${a.groupId}/members`, { contact_ids: [b.contactId] }),
      () => b.api.del(`/groups/${a.groupId}/members/${a.contact2Id}`),
      () => b.api.get(`/projects/${a.projectId}/sections`),
      () => b.api.post(`/projects/${a.projectId}/sections`, { name: 'Sneaky' }),
      () => b.api.patch(`/projects/${a.projectId}/sections/${a.sectionId}`, { name: 'Sneaky' }),
      () => b.api.del(`/projects/${a.projectId}/sections/${a.sectionId}`),
      () => b.api.get(`/projects/${a.projectId}/tasks`),
      () => b.api.post(`/projects/${a.projectId}/tasks`, { task_id: b.taskId, section_id: a.sectionId }),
      () => b.api.del(`/projects/${a.projectId}/tasks/${a.taskId}`),
      () => b.api.get(`/pipelines/templates/${a.templateId}/stages`),
      () => b.api.post(`/pipelines/templates/${a.templateId}/stages`, { name: 'Sneaky', sort_order: 9 }),
      () => b.api.get(`/notes/${a.noteId}/links`),
      () => b.api.get(`/notes/${a.noteId}/backlinks`),
    ];
    for (const attempt of attempts) expectErrorEnvelope(await attempt(), 404, 'NOT_FOUND');
    const group = await ok(a.api.get(`/groups/${a.groupId}`), 200);
    expect(group.member_contact_ids).toEqual([a.contact2Id]);
    expect(
      (await ok(a.api.get(`/projects/${a.projectId}`), 200)).sections.map((section: { name: string }) => section.name),
    ).toEqual(['Backlog']);
  });

  it("refuses another user's contacts, tasks and sections inside your own collections", async () => {
    const members = await b.api.post(`/groups/${b.groupId}/members`, { contact_ids: [a.contactId] });
    expectErrorEnvelope(members, 400, 'VALIDATION_ERROR');
    expect(members.body.error.details[0].field).toBe('contact_ids');
    const foreignTask = await b.api.post(`/projects/${b.projectId}/tasks`, {
      task_id: a.taskId,
      section_id: b.sectionId,
    });
    expectErrorEnvelope(foreignTask, 400, 'VALIDATION_ERROR');
    expect(foreignTask.body.error.details[0].field).toBe('task_id');
    const foreignSection = await b.api.post(`/projects/${b.projectId}/tasks`, {
      task_id: b.taskId,
      section_id: a.sectionId,
    });
    expectErrorEnvelope(foreignSection, 400, 'VALIDATION_ERROR');
    expect(foreignSection.body.error.details[0].field).toBe('section_id');
    const foreignStage = await b.api.post('/pipelines/items', {
      template_id: b.templateId,
      current_stage_id: a.stageId,
      contact_id: b.contactId,
    });
    expectErrorEnvelope(foreignStage, 400, 'VALIDATION_ERROR');
    expect(foreignStage.body.error.details[0].field).toBe('current_stage_id');
  });

  it('names every foreign field of one body, as the request spells it', async () => {
    const item = await b.api.post('/pipelines/items', {
      template_id: a.templateId,
      current_stage_id: a.stageId,
      contact_id: b.contactId,
    });
    expectErrorEnvelope(item, 400, 'VALIDATION_ERROR');
    expect(item.body.error.details.map((problem: { field: string }) => problem.field)).toEqual([
      'template_id',
      'current_stage_id',
    ]);
    const everything = await b.api.post('/pipelines/items', {
      template_id: a.templateId,
      current_stage_id: a.stageId,
      contact_id: a.contactId,
    });
    expect(everything.body.error.details.map((problem: { field: string }) => problem.field)).toEqual([
      'template_id',
      'current_stage_id',
      'contact_id',
    ]);
    // A nested set's foreign ids are named together with the parent's own foreign keys.
    const notesBefore = await ok(b.api.get('/notes?per_page=100&include_archived=true'), 200);
    const note = await b.api.post('/notes', { title: 'n', folder_id: a.folderId, target_contact_ids: [a.contactId] });
    expectErrorEnvelope(note, 400, 'VALIDATION_ERROR');
    expect(note.body.error.details.map((problem: { field: string }) => problem.field)).toEqual([
      'folder_id',
      'target_contact_ids',
    ]);
    const members = await b.api.post(`/groups/${b.groupId}/members`, { contact_ids: [b.contactId, a.contactId] });
    expectErrorEnvelope(members, 400, 'VALIDATION_ERROR');
    expect(members.body.error.details).toEqual([{ field: 'contact_ids', message: expect.any(String) }]);
    // Nothing of the refused writes was stored.
    expect((await ok(b.api.get(`/groups/${b.groupId}`), 200)).member_contact_ids).toEqual([b.contact2Id]);
    expect(await ok(b.api.get('/notes?per_page=100&include_archived=true'), 200)).toHaveLength(notesBefore.length);
  });

  it("answers 404 for another user's topic and never lists it", async () => {
    const [topic] = await server.server.services.db
      .insert(topics)
      .values({ user_id: a.userId, label: 'Secret plans', slug: 'secret-plans' })
      .returning();
    expect((await a.api.get(`/topics/${topic!.id}`)).status).toBe(200);
    expectErrorEnvelope(await b.api.get(`/topics/${topic!.id}`), 404, 'NOT_FOUND');
    expect(
      (await ok(b.api.get('/topics?include_archived=true&per_page=100'), 200)).map((row: { id: string }) => row.id),
    ).not.toContain(topic!.id);
  });
});
