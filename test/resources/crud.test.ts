import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceFor } from '../../src/domain/resources/index.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import type { TestServer } from '../helpers/server.ts';
import { RESOURCE_CASES } from './cases.ts';
import { changeSeqOf, ok, startServerWithWorlds, type World } from './world.ts';

let server: TestServer;
let world: World;
let other: World;

beforeAll(async () => {
  [server, world, other] = await startServerWithWorlds(2);
});
afterAll(async () => server?.destroy());

const changeSeq = (entityType: string, entityId: string) => changeSeqOf(server, world.userId, entityType, entityId);

const byId = (rows: Array<{ id: string }>) => rows.map((row) => row.id);

describe.each(RESOURCE_CASES)('/$path', (resource) => {
  const base = `/${resource.path}`;

  it('creates with a server-chosen id, answers it with ETag W/"1", reads it back, and records the change for sync', async () => {
    const response = await world.api.post(base, resource.create(world));
    const created = await ok(response);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.sync_version).toBe(1);
    expect(response.headers.get('etag')).toBe('W/"1"');
    expect(created.user_id).toBe(world.userId);
    expect(Date.parse(created.updated_at)).toBeGreaterThan(Date.now() - 60_000);
    for (const [field, value] of Object.entries(resource.create(world))) {
      if (Array.isArray(value) && value.every((item) => typeof item !== 'object'))
        expect([...created[field]].sort()).toEqual([...value].sort());
      else if (!Array.isArray(value)) expect(created[field], field).toEqual(value);
    }
    const read = await world.api.get(`${base}/${created.id}`);
    expect(await ok(read, 200)).toEqual(created);
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect(await changeSeq(resource.entityType, created.id)).toBeGreaterThan(0);
  });

  it('creates with a client id; an identical retry answers the stored entity, a different body or another user 409 CONFLICT', async () => {
    const id = randomUUID();
    const body = { ...resource.create(world), id };
    const created = await ok(world.api.post(base, body));
    expect(created.id).toBe(id);
    const retry = await ok(world.api.post(base, body));
    expect(retry).toEqual(created);
    expectErrorEnvelope(await world.api.post(base, { ...body, ...resource.patch(world) }), 409, 'CONFLICT');
    expectErrorEnvelope(await other.api.post(base, { ...resource.create(other), id }), 409, 'CONFLICT');
    expect(await ok(world.api.get(`${base}/${id}`), 200)).toEqual(created);
  });

  it.each(Object.entries(resource.filters))('filters by %s', async (_name, filter) => {
    if (filter.check) {
      const response = await world.api.get(`${base}?${filter.query(world)}&per_page=100`);
      filter.check(world, await ok(response, 200));
      return;
    }
    const match = await ok(world.api.post(base, { ...resource.create(world), ...filter.matching?.(world) }));
    const miss = await ok(world.api.post(base, resource.create(world)));
    const listed = byId(await ok(world.api.get(`${base}?${filter.query(world)}&per_page=100`), 200));
    expect(listed).toContain(match.id);
    expect(listed).not.toContain(miss.id);
  });

  it('sorts by each sortable field in both orders, index order by default', async () => {
    await ok(world.api.post(base, resource.create(world)));
    for (const field of resourceFor(resource.entityType).definition.sortable) {
      const ascending = await ok(
        world.api.get(`${base}?sort=${field}&order=asc&per_page=100&include_archived=true`),
        200,
      );
      const descending = await ok(
        world.api.get(`${base}?sort=${field}&order=desc&per_page=100&include_archived=true`),
        200,
      );
      expect(ascending.length).toBeGreaterThan(1);
      const distinct = (rows: any[]) => [...new Set(rows.map((row) => row[field]).filter((value) => value !== null))];
      expect(distinct(ascending), field).toEqual(distinct(descending).reverse());
      const values = distinct(ascending);
      if (values.every((value) => typeof value === 'number')) expect(values).toEqual([...values].sort((a, b) => a - b));
      if (/_at$|date/.test(field)) expect(values).toEqual([...values].sort());
    }
    const defaultOrder = await ok(world.api.get(`${base}?per_page=100`), 200);
    const stamps = defaultOrder.map((row: any) => row.updated_at);
    expect(stamps).toEqual([...stamps].sort().reverse());
  });

  it('PUT replaces: omitted optional fields return to their defaults, and the version and updated_at move', async () => {
    const created = await ok(
      world.api.post(base, {
        ...resource.create(world),
        [resource.resettable.field]: resource.resettable.value(world),
      }),
    );
    expect(created[resource.resettable.field]).not.toEqual(resource.resettable.reset);
    const replaced = await ok(world.api.put(`${base}/${created.id}`, resource.create(world)), 200);
    expect(replaced[resource.resettable.field]).toEqual(resource.resettable.reset);
    expect(replaced.sync_version).toBe(2);
    expect(Date.parse(replaced.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    expect(replaced.created_at).toBe(created.created_at);
  });

  it('PUT accepts the entity exactly as GET returned it (server-owned fields are ignored)', async () => {
    const created = await ok(world.api.post(base, resource.create(world)));
    const read = await ok(world.api.get(`${base}/${created.id}`), 200);
    const replaced = await ok(world.api.put(`${base}/${created.id}`, read), 200);
    expect({ ...replaced, sync_version: 0, updated_at: '' }).toEqual({ ...read, sync_version: 0, updated_at: '' });
    expect(replaced.sync_version).toBe(read.sync_version + 1);
  });

  it('PATCH writes only what it names', async () => {
    const created = await ok(world.api.post(base, resource.create(world)));
    const response = await world.api.patch(`${base}/${created.id}`, resource.patch(world));
    const patched = await ok(response, 200);
    expect(patched).toMatchObject(resource.patch(world));
    expect(response.headers.get('etag')).toBe('W/"2"');
    const untouched = Object.keys(created).filter(
      (key) => !(key in resource.patch(world)) && !['sync_version', 'updated_at'].includes(key),
    );
    for (const key of untouched) expect(patched[key], key).toEqual(created[key]);
  });

  it('DELETE archives (204); lists leave it out unless include_archived=true; a second DELETE is a no-op', async () => {
    const created = await ok(world.api.post(base, resource.create(world)));
    const deleted = await world.api.del(`${base}/${created.id}`);
    expect(deleted.status).toBe(204);
    const read = await ok(world.api.get(`${base}/${created.id}`), 200);
    expect(read.is_archived).toBe(true);
    expect(read.sync_version).toBe(2);
    expect(byId(await ok(world.api.get(`${base}?per_page=100`), 200))).not.toContain(created.id);
    expect(byId(await ok(world.api.get(`${base}?per_page=100&include_archived=true`), 200))).toContain(created.id);
    expect((await world.api.del(`${base}/${created.id}`)).status).toBe(204);
    expect((await ok(world.api.get(`${base}/${created.id}`), 200)).sync_version).toBe(2);
    const restored = await ok(world.api.patch(`${base}/${created.id}`, { is_archived: false }), 200);
    expect(restored.is_archived).toBe(false);
  });

  it('If-Match naming a stale version answers 409 SYNC_CONFLICT with details on PUT, PATCH and DELETE', async () => {
    const created = await ok(world.api.post(base, resource.create(world)));
    const patched = await ok(
      world.api.patch(`${base}/${created.id}`, resource.patch(world), { 'If-Match': 'W/"1"' }),
      200,
    );
    expect(patched.sync_version).toBe(2);
    for (const attempt of [
      () => world.api.put(`${base}/${created.id}`, resource.create(world), { 'If-Match': 'W/"1"' }),
      () => world.api.patch(`${base}/${created.id}`, resource.patch(world), { 'If-Match': '"1"' }),
      () => world.api.del(`${base}/${created.id}`, { 'If-Match': 'W/"1"' }),
    ]) {
      const refused = await attempt();
      expectErrorEnvelope(refused, 409, 'SYNC_CONFLICT');
      expect(refused.body.error.details).toEqual({
        server_version: 2,
        client_version: 1,
        server_updated_at: patched.updated_at,
      });
    }
    expectErrorEnvelope(
      await world.api.patch(`${base}/${created.id}`, resource.patch(world), { 'If-Match': 'yesterday' }),
      400,
      'VALIDATION_ERROR',
    );
    expect((await world.api.del(`${base}/${created.id}`, { 'If-Match': 'W/"2"' })).status).toBe(204);
    expect(await ok(world.api.patch(`${base}/${created.id}`, resource.patch(world)), 200)).toMatchObject({
      sync_version: 4,
    });
  });
});

describe('list paging (docs/api.md)', () => {
  it('caps per_page at 100, refuses zero, negative or non-numeric page/per_page and unknown sort/order, answers past-the-end pages empty', async () => {
    const capped = await world.api.get('/contacts?per_page=500');
    expect(capped.status).toBe(200);
    expect(capped.body.meta.per_page).toBe(100);
    for (const query of [
      'per_page=0',
      'per_page=-1',
      'per_page=abc',
      'page=0',
      'page=-2',
      'page=1.5',
      'page=',
      'sort=password_hash',
      'order=sideways',
      'include_archived=maybe',
    ]) {
      const refused = await world.api.get(`/contacts?${query}`);
      expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR');
      expect(refused.body.error.details[0].field).toBe(query.split('=')[0]);
    }
    const past = await world.api.get('/contacts?page=999&per_page=2');
    expect(past.status).toBe(200);
    expect(past.body.data).toEqual([]);
    expect(past.body.meta).toMatchObject({ page: 999, per_page: 2 });
  });

  it('answers meta and relative links that keep every query parameter', async () => {
    for (let i = 0; i < 5; i += 1)
      await ok(world.api.post('/tasks', { contact_id: world.contactId, title: `Paged ${i}`, status: 'blocked' }));
    const total = (await ok(world.api.get('/tasks?status=blocked&per_page=100'), 200)).length;
    const response = await world.api.get('/tasks?status=blocked&per_page=2&page=2&sort=title&custom=kept');
    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(2);
    expect(response.body.meta).toEqual({
      page: 2,
      per_page: 2,
      total,
      total_pages: Math.ceil(total / 2),
      offset: 2,
      has_more: total > 4,
    });
    const { links } = response.body;
    expect(links.first).toBe('/api/v1/tasks?status=blocked&per_page=2&page=1&sort=title&custom=kept');
    expect(links.prev).toBe('/api/v1/tasks?status=blocked&per_page=2&page=1&sort=title&custom=kept');
    expect(links.next).toBe('/api/v1/tasks?status=blocked&per_page=2&page=3&sort=title&custom=kept');
    expect(links.last).toBe(
      `/api/v1/tasks?status=blocked&per_page=2&page=${Math.ceil(total / 2)}&sort=title&custom=kept`,
    );
    const last = await world.api.get(links.last.replace('/api/v1', ''));
    expect(last.body.links.next).toBeNull();
    const first = await world.api.get(links.first.replace('/api/v1', ''));
    expect(first.body.links.prev).toBeNull();
    const pages = await Promise.all(
      [1, 2, 3].map((page) => ok(world.api.get(`/tasks?status=blocked&per_page=2&page=${page}&sort=title`), 200)),
    );
    const seen = pages.flat().map((row: any) => row.id);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
