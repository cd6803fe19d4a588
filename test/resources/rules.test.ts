import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import type { TestServer } from '../helpers/server.ts';
import { changeSeqOf, ok, startServerWithWorlds, type World } from './world.ts';

let server: TestServer;
let world: World;

beforeAll(async () => {
  [server, world] = await startServerWithWorlds(1);
});
afterAll(async () => server?.destroy());

const changeSeq = (entityType: string, entityId: string) => changeSeqOf(server, world.userId, entityType, entityId);

describe('folders', () => {
  it('refuses a parent that would make a cycle, or the folder itself', async () => {
    const top = await ok(world.api.post('/folders', { name: 'Top' }));
    const middle = await ok(world.api.post('/folders', { name: 'Middle', parent_id: top.id }));
    const bottom = await ok(world.api.post('/folders', { name: 'Bottom', parent_id: middle.id }));
    for (const parent of [bottom.id, middle.id, top.id]) {
      const refused = await world.api.patch(`/folders/${top.id}`, { parent_id: parent });
      expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR');
      expect(refused.body.error.details[0].field).toBe('parent_id');
    }
    const moved = await ok(world.api.patch(`/folders/${bottom.id}`, { parent_id: top.id }), 200);
    expect(moved.parent_id).toBe(top.id);
    expect((await ok(world.api.patch(`/folders/${bottom.id}`, { parent_id: null }), 200)).parent_id).toBeNull();
  });

  it('refuses archiving a default folder with 403, and still lets it be renamed', async () => {
    const [defaultId] = world.defaultFolderIds;
    expectErrorEnvelope(await world.api.del(`/folders/${defaultId}`), 403, 'FORBIDDEN');
    expectErrorEnvelope(await world.api.patch(`/folders/${defaultId}`, { is_archived: true }), 403, 'FORBIDDEN');
    const renamed = await ok(world.api.patch(`/folders/${defaultId}`, { name: 'My projects', is_default: false }), 200);
    expect(renamed).toMatchObject({ name: 'My projects', is_default: true, is_archived: false });
  });
});

describe('groups', () => {
  it('adds members with POST /members and removes one with DELETE /members/:contact_id, each a versioned, recorded write', async () => {
    const group = await ok(world.api.post('/groups', { name: 'Chess club' }));
    const seqBefore = await changeSeq('group', group.id);
    const added = await world.api.post(`/groups/${group.id}/members`, {
      contact_ids: [world.contactId, world.contact2Id],
    });
    const withMembers = await ok(added, 200);
    expect([...withMembers.member_contact_ids].sort()).toEqual([world.contactId, world.contact2Id].sort());
    expect(withMembers.sync_version).toBe(2);
    expect(added.headers.get('etag')).toBe('W/"2"');
    expect(await changeSeq('group', group.id)).toBeGreaterThan(seqBefore);
    expect(
      (await ok(world.api.post(`/groups/${group.id}/members`, { contact_ids: [world.contactId] }), 200))
        .member_contact_ids,
    ).toHaveLength(2);
    expect((await world.api.del(`/groups/${group.id}/members/${world.contactId}`)).status).toBe(204);
    expect((await ok(world.api.get(`/groups/${group.id}`), 200)).member_contact_ids).toEqual([world.contact2Id]);
    expectErrorEnvelope(await world.api.del(`/groups/${group.id}/members/${world.contactId}`), 404, 'NOT_FOUND');
    expectErrorEnvelope(
      await world.api.post(`/groups/${group.id}/members`, { contact_ids: [] }),
      400,
      'VALIDATION_ERROR',
    );
    expectErrorEnvelope(
      await world.api.post(`/groups/${group.id}/members`, { contact_ids: [world.contactId] }, { 'If-Match': 'W/"1"' }),
      409,
      'SYNC_CONFLICT',
    );
    expectErrorEnvelope(
      await world.api.post('/groups', { name: 'Dupes', member_contact_ids: [world.contactId, world.contactId] }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('projects', () => {
  it('manages sections and task links through sub-routes, with the rules that bind them', async () => {
    const project = await ok(
      world.api.post('/projects', {
        name: 'Mercury',
        primary_contact_id: world.contactId,
        related_contact_ids: [world.contact2Id],
      }),
    );
    expect(project.related_contact_ids).toEqual([world.contact2Id]);
    const created = await world.api.post(`/projects/${project.id}/sections`, { name: 'Doing', sort_order: 1 });
    const doing = await ok(created, 201);
    expect(doing).toMatchObject({ name: 'Doing', sort_order: 1, id: expect.any(String) });
    expect(created.headers.get('etag')).toBe('W/"2"');
    const todo = await ok(world.api.post(`/projects/${project.id}/sections`, { name: 'Todo', sort_order: 0 }));
    expect(
      (await ok(world.api.get(`/projects/${project.id}/sections`), 200)).map(
        (section: { name: string }) => section.name,
      ),
    ).toEqual(['Todo', 'Doing']);
    expect(
      await ok(world.api.patch(`/projects/${project.id}/sections/${todo.id}`, { name: 'To do' }), 200),
    ).toMatchObject({ id: todo.id, name: 'To do', sort_order: 0 });

    const link = await ok(
      world.api.post(`/projects/${project.id}/tasks`, { task_id: world.taskId, section_id: doing.id }),
    );
    expect(link).toMatchObject({ task_id: world.taskId, section_id: doing.id, sort_order: 0 });
    expect(await ok(world.api.get(`/projects/${project.id}/tasks`), 200)).toEqual([link]);
    const elsewhere = await world.api.post(`/projects/${project.id}/tasks`, {
      task_id: world.taskId,
      section_id: world.sectionId,
    });
    expectErrorEnvelope(elsewhere, 400, 'VALIDATION_ERROR');
    expect(elsewhere.body.error.details[0].field).toBe('section_id');
    const twice = await world.api.post(`/projects/${project.id}/tasks`, {
      task_id: world.taskId,
      section_id: doing.id,
    });
    expectErrorEnvelope(twice, 400, 'VALIDATION_ERROR');

    expect((await world.api.del(`/projects/${project.id}/sections/${doing.id}`)).status).toBe(204);
    const after = await ok(world.api.get(`/projects/${project.id}`), 200);
    expect(after.sections.map((section: { id: string }) => section.id)).toEqual([todo.id]);
    expect(after.task_links).toEqual([]);
    expectErrorEnvelope(await world.api.del(`/projects/${project.id}/sections/${doing.id}`), 404, 'NOT_FOUND');
    expectErrorEnvelope(await world.api.del(`/projects/${project.id}/tasks/${world.taskId}`), 404, 'NOT_FOUND');
  });

  it('takes sections and task links inline, a new section and a link into it in one body', async () => {
    const project = await ok(world.api.post('/projects', { name: 'Venus', primary_contact_id: world.contactId }));
    const sectionId = crypto.randomUUID();
    const replaced = await ok(
      world.api.patch(`/projects/${project.id}`, {
        sections: [{ id: sectionId, name: 'Inline', sort_order: 0 }],
        task_links: [{ section_id: sectionId, task_id: world.taskId, sort_order: 3 }],
      }),
      200,
    );
    expect(replaced.sections).toEqual([
      { id: sectionId, name: 'Inline', sort_order: 0, created_at: expect.any(String) },
    ]);
    expect(replaced.task_links).toEqual([
      {
        id: expect.any(String),
        section_id: sectionId,
        task_id: world.taskId,
        sort_order: 3,
        created_at: expect.any(String),
      },
    ]);
    expect((await world.api.del(`/projects/${project.id}/tasks/${world.taskId}`)).status).toBe(204);
    expect((await ok(world.api.get(`/projects/${project.id}`), 200)).task_links).toEqual([]);
  });
});

describe('pipelines', () => {
  it('edits stages inline, adds one with POST /stages, and refuses removing a stage items are in', async () => {
    const template = await ok(
      world.api.post('/pipelines/templates', {
        name: 'Flow',
        domain: 'hybrid',
        stages: [
          { name: 'A', sort_order: 0 },
          { name: 'B', sort_order: 1 },
        ],
      }),
    );
    const [a, b] = template.stages;
    const reordered = await ok(
      world.api.patch(`/pipelines/templates/${template.id}`, {
        stages: [
          { ...b, sort_order: 0 },
          { ...a, name: 'A2', sort_order: 1, color: '#00f' },
        ],
      }),
      200,
    );
    expect(reordered.stages.map((stage: { id: string; name: string }) => [stage.id, stage.name])).toEqual([
      [b.id, 'B'],
      [a.id, 'A2'],
    ]);
    const stage = await ok(
      world.api.post(`/pipelines/templates/${template.id}/stages`, {
        name: 'C',
        sort_order: 2,
        auto_task_title: 'Call',
        auto_task_due_in_days: 1,
      }),
    );
    expect(stage).toMatchObject({ name: 'C', auto_task_title: 'Call', auto_task_due_in_days: 1 });
    expect(
      (await ok(world.api.get(`/pipelines/templates/${template.id}/stages`), 200)).map(
        (row: { name: string }) => row.name,
      ),
    ).toEqual(['B', 'A2', 'C']);

    await ok(
      world.api.post('/pipelines/items', {
        template_id: template.id,
        current_stage_id: a.id,
        contact_id: world.contactId,
      }),
    );
    const refused = await world.api.patch(`/pipelines/templates/${template.id}`, { stages: [b] });
    expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR');
    expect(refused.body.error.details[0].field).toBe('stages');
    expect((await ok(world.api.get(`/pipelines/templates/${template.id}`), 200)).stages).toHaveLength(3);
  });

  it("keeps an item's stage within its template", async () => {
    const item = await ok(
      world.api.post('/pipelines/items', {
        template_id: world.templateId,
        current_stage_id: world.stageId,
        contact_id: world.contactId,
      }),
    );
    const wrong = await world.api.post('/pipelines/items', {
      template_id: world.templateId,
      current_stage_id: world.template2StageId,
      contact_id: world.contactId,
    });
    expect(wrong.body.error.details).toEqual([{ field: 'current_stage_id', message: expect.any(String) }]);
    const templateOnly = await world.api.patch(`/pipelines/items/${item.id}`, { template_id: world.template2Id });
    expect(templateOnly.body.error.details).toEqual([{ field: 'current_stage_id', message: expect.any(String) }]);
    const moved = await ok(
      world.api.patch(`/pipelines/items/${item.id}`, {
        template_id: world.template2Id,
        current_stage_id: world.template2StageId,
      }),
      200,
    );
    expect(moved.current_stage_id).toBe(world.template2StageId);
  });

  it('creates the stage task when an item enters a stage with auto_task_title, due auto_task_due_in_days later', async () => {
    const contact = await ok(
      world.api.post('/contacts', {
        full_name: 'Prospect',
        relationship_domain: 'business',
        relationship_role: 'prospect',
      }),
    );
    const tasksOf = async () => ok(world.api.get(`/tasks?contact_id=${contact.id}&per_page=100`), 200);
    const item = await ok(
      world.api.post('/pipelines/items', {
        template_id: world.templateId,
        current_stage_id: world.stageId,
        contact_id: contact.id,
      }),
    );
    await ok(world.api.patch(`/pipelines/items/${item.id}`, { current_stage_id: world.stage2Id }), 200);
    expect(await tasksOf()).toEqual([]);
    const moved = await ok(
      world.api.patch(`/pipelines/items/${item.id}`, { current_stage_id: world.autoStageId }),
      200,
    );
    const [task] = await tasksOf();
    expect(task).toMatchObject({
      title: 'Send proposal',
      contact_id: contact.id,
      created_by: world.contactZeroId,
      status: 'open',
      sync_version: 1,
    });
    expect(Date.parse(task.due_at) - Date.parse(moved.updated_at)).toBe(3 * 86_400_000);
    expect(await changeSeq('task', task.id)).toBeGreaterThan(0);
    await ok(world.api.patch(`/pipelines/items/${item.id}`, { label: 'Still in the stage' }), 200);
    expect(await tasksOf()).toHaveLength(1);
    await ok(
      world.api.post('/pipelines/items', {
        template_id: world.templateId,
        current_stage_id: world.autoStageId,
        contact_id: contact.id,
      }),
    );
    expect(await tasksOf()).toHaveLength(2);
  });

  it('sets closed_at when an item is won or lost, keeps it on a repeat, clears it when reopened', async () => {
    const item = await ok(
      world.api.post('/pipelines/items', {
        template_id: world.templateId,
        current_stage_id: world.stageId,
        contact_id: world.contactId,
      }),
    );
    expect(item.closed_at).toBeNull();
    const won = await ok(world.api.patch(`/pipelines/items/${item.id}`, { status: 'won' }), 200);
    expect(won.closed_at).toBe(won.updated_at);
    expect(
      (await ok(world.api.patch(`/pipelines/items/${item.id}`, { status: 'won', label: 'x' }), 200)).closed_at,
    ).toBe(won.closed_at);
    expect((await ok(world.api.patch(`/pipelines/items/${item.id}`, { status: 'open' }), 200)).closed_at).toBeNull();
    const lost = await ok(world.api.patch(`/pipelines/items/${item.id}`, { status: 'lost' }), 200);
    expect(lost.closed_at).toBe(lost.updated_at);
    const created = await ok(
      world.api.post('/pipelines/items', {
        template_id: world.templateId,
        current_stage_id: world.stageId,
        contact_id: world.contactId,
        status: 'won',
      }),
    );
    expect(created.closed_at).toBe(created.updated_at);
  });
});
