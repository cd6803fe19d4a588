import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateDatabaseError } from '../../src/db/errors.ts';
import { queryRows } from '../../src/db/rows.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import type { TestServer } from '../helpers/server.ts';
import { RESOURCE_CASES } from './cases.ts';
import { ok, type World, startServerWithWorlds } from './world.ts';

let server: TestServer;
let world: World;
let other: World;

beforeAll(async () => {
  [server, world, other] = await startServerWithWorlds(2);
});
afterAll(async () => server?.destroy());

const LONG_AGO = '2000-01-01T00:00:00.000Z';

describe.each(RESOURCE_CASES)('/$path mass assignment', (resource) => {
  const base = `/${resource.path}`;
  const serverOwnedBody = () => ({
    user_id: other.userId,
    sync_version: 99,
    created_at: LONG_AGO,
    updated_at: LONG_AGO,
    last_synced_at: LONG_AGO,
    ...resource.serverOwned(world, other),
  });

  const expectNotApplied = (entity: Record<string, unknown>, version: number) => {
    const sent = serverOwnedBody();
    expect(entity.user_id).toBe(world.userId);
    expect(entity.sync_version).toBe(version);
    expect(entity.created_at).not.toBe(LONG_AGO);
    expect(entity.updated_at).not.toBe(LONG_AGO);
    expect(entity.last_synced_at).toBeNull();
    for (const [field, value] of Object.entries(resource.serverOwned(world, other)))
      expect(entity[field], field).not.toEqual(value);
    if ('author_contact_id' in sent) expect(entity.author_contact_id).toBe(world.contactZeroId);
    if ('created_by' in sent) expect(entity.created_by).toBe(world.contactZeroId);
    if ('is_contact_zero' in sent) expect(entity.is_contact_zero).toBe(false);
  };

  it('ignores server-owned fields on POST, PUT and PATCH (so a client may send back what it read)', async () => {
    const created = await ok(world.api.post(base, { ...resource.create(world), ...serverOwnedBody() }));
    expectNotApplied(created, 1);
    expectNotApplied(
      await ok(
        world.api.put(`${base}/${created.id}`, {
          ...resource.create(world),
          ...serverOwnedBody(),
          id: other.contactId,
        }),
        200,
      ),
      2,
    );
    expectNotApplied(
      await ok(world.api.patch(`${base}/${created.id}`, { ...resource.patch(world), ...serverOwnedBody() }), 200),
      3,
    );
    expectNotApplied(await ok(world.api.get(`${base}/${created.id}`), 200), 3);
  });

  it('answers 400 VALIDATION_ERROR naming every field the resource does not have', async () => {
    const refused = await world.api.post(base, { ...resource.create(world), bogus: 1, password_hash: 'x' });
    expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR');
    expect(refused.body.error.details.map((problem: { field: string }) => problem.field).sort()).toEqual([
      'bogus',
      'password_hash',
    ]);
    const created = await ok(world.api.post(base, resource.create(world)));
    const patched = await world.api.patch(`${base}/${created.id}`, { nonsense: true });
    expectErrorEnvelope(patched, 400, 'VALIDATION_ERROR');
    expect(patched.body.error.details).toEqual([{ field: 'nonsense', message: expect.any(String) }]);
    expectErrorEnvelope(await world.api.post(base, [resource.create(world)]), 400, 'VALIDATION_ERROR');
    const raw = await fetch(`${server.url}/api/v1${base}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.user.accessToken}`, 'content-type': 'application/json' },
      body: '{"broken',
    });
    expect(raw.status).toBe(400);
  });
});

/** Every CHECK constraint of the entity tables, reached through the API: [path, body, field]. */
const CHECK_CASES: Array<[string, string, (w: World) => Record<string, unknown>, string]> = [
  ['contacts.valid_relationship_domain', 'contacts', () => ({ relationship_domain: 'work' }), 'relationship_domain'],
  ['contacts.valid_status', 'contacts', () => ({ status: 'lost' }), 'status'],
  ['contacts.valid_frame_score (above)', 'contacts', () => ({ frame_score: 101 }), 'frame_score'],
  ['contacts.valid_frame_score (below)', 'contacts', () => ({ frame_score: -1 }), 'frame_score'],
  ['contacts.valid_frame_trend', 'contacts', () => ({ frame_trend: 'sideways' }), 'frame_trend'],
  ['notes.valid_kind', 'notes', () => ({ kind: 'memo' }), 'kind'],
  ['notes.valid_preferred_view', 'notes', () => ({ preferred_view: 'grid' }), 'preferred_view'],
  ['notes.log_must_have_date', 'notes', () => ({ kind: 'log' }), 'date_key'],
  ['tasks.valid_status', 'tasks', () => ({ status: 'doing' }), 'status'],
  ['interactions.valid_type', 'interactions', () => ({ type: 'fax' }), 'type'],
  ['projects.valid_status', 'projects', () => ({ status: 'paused' }), 'status'],
  ['projects.valid_priority', 'projects', () => ({ priority: 'urgent' }), 'priority'],
  ['pipeline_templates.valid_domain', 'pipelines/templates', () => ({ domain: 'work' }), 'domain'],
  ['pipeline_items.valid_status', 'pipelines/items', () => ({ status: 'maybe' }), 'status'],
];

describe('CHECK constraints answer 400 VALIDATION_ERROR naming the field, never 500', () => {
  it.each(CHECK_CASES)('%s', async (_name, path, invalid, field) => {
    const resource = RESOURCE_CASES.find((candidate) => candidate.path === path)!;
    const created = await world.api.post(`/${path}`, { ...resource.create(world), ...invalid(world) });
    expectErrorEnvelope(created, 400, 'VALIDATION_ERROR');
    expect(created.body.error.details.map((problem: { field: string }) => problem.field)).toContain(field);
    const stored = await ok(world.api.post(`/${path}`, resource.create(world)));
    const patched = await world.api.patch(`/${path}/${stored.id}`, invalid(world));
    expectErrorEnvelope(patched, 400, 'VALIDATION_ERROR');
    expect(patched.body.error.details.map((problem: { field: string }) => problem.field)).toContain(field);
  });

  it('covers every CHECK of the entity tables, and the database translation names a field for each', async () => {
    const rows = await queryRows<{ table_name: string; constraint_name: string }>(
      server.server.services.db,
      sql`select rel.relname as table_name, con.conname as constraint_name from pg_constraint con
          join pg_class rel on rel.oid = con.conrelid join pg_namespace ns on ns.oid = rel.relnamespace
          where con.contype = 'c' and ns.nspname = 'public'
          and rel.relname in ('contacts','notes','tasks','interactions','folders','groups','projects','pipeline_templates','pipeline_items','topics')`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(13);
    const tested = new Set(CHECK_CASES.map(([name]) => name.split(' ')[0]));
    for (const row of rows) {
      // Text length CHECKs (`<column>_length`) are reached through the API in text-limits.test.ts,
      // which also proves there is one for every entry of src/db/schema/text-limits.ts.
      if (!row.constraint_name.endsWith('_length'))
        expect(tested, `${row.table_name}.${row.constraint_name} has no API test`).toContain(
          `${row.table_name}.${row.constraint_name}`,
        );
      const translated = translateDatabaseError({ code: '23514', constraint_name: row.constraint_name });
      expect(translated?.code).toBe('VALIDATION_ERROR');
      const [problem] = translated!.details as Array<{ field: string }>;
      expect(problem?.field, row.constraint_name).not.toBe(row.constraint_name);
    }
  });

  it('names wrongly typed fields', async () => {
    const refused = await world.api.post('/contacts', {
      full_name: 5,
      relationship_domain: 'business',
      relationship_role: 'client',
      frame_score: 'high',
      next_action_at: 'tomorrow',
    });
    expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR');
    expect(refused.body.error.details.map((problem: { field: string }) => problem.field).sort()).toEqual([
      'frame_score',
      'full_name',
      'next_action_at',
    ]);
    const missing = await world.api.post('/tasks', { title: 'No contact' });
    expect(missing.body.error.details).toEqual([{ field: 'contact_id', message: expect.any(String) }]);
  });
});

describe('Contact Zero', () => {
  it('cannot be archived: DELETE, PATCH or PUT with is_archived true answer 403 FORBIDDEN and change nothing', async () => {
    const path = `/contacts/${world.contactZeroId}`;
    const before = await ok(world.api.get(path), 200);
    expectErrorEnvelope(await world.api.del(path), 403, 'FORBIDDEN');
    expectErrorEnvelope(await world.api.patch(path, { is_archived: true }), 403, 'FORBIDDEN');
    expectErrorEnvelope(await world.api.put(path, { ...before, is_archived: true }), 403, 'FORBIDDEN');
    expect(await ok(world.api.get(path), 200)).toEqual(before);
  });

  it('stays Contact Zero whatever a body says, and its profile can be edited', async () => {
    const path = `/contacts/${world.contactZeroId}`;
    const edited = await ok(world.api.patch(path, { is_contact_zero: false, company: 'Me Inc' }), 200);
    expect(edited).toMatchObject({ is_contact_zero: true, company: 'Me Inc' });
    const other = await ok(
      world.api.post('/contacts', {
        full_name: 'Not me',
        relationship_domain: 'personal',
        relationship_role: 'self',
        is_contact_zero: true,
      }),
    );
    expect(other.is_contact_zero).toBe(false);
    const zeros = await ok(world.api.get('/contacts?is_contact_zero=true'), 200);
    expect(zeros.map((row: { id: string }) => row.id)).toEqual([world.contactZeroId]);
  });
});
