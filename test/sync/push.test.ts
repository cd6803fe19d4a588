// POST /sync/push, one rule per test (docs/sync.md), over real HTTP on a real database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PUSH_CHANGES } from '../../src/domain/sync/push-change.ts';
import { SERVER_SCHEMA_VERSION } from '../../src/domain/sync/schema-version.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ok } from '../resources/world.ts';
import { type SyncAccount, syncAccount } from './sync-account.ts';
import { change, contactData, syncClient } from './sync-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

type Account = SyncAccount;
const account = () => syncAccount(server.url);

/** An ISO time `seconds` before now (every device clock in these tests is behind the server's). */
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

/** Creates a contact through push at `time` by `device`; answers its id. */
async function pushedContact(
  a: Account,
  device: string,
  time: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const id = randomUUID();
  const result = await a.sync.push(device, [
    change({
      entity_type: 'contact',
      entity_id: id,
      operation: 'create',
      data: contactData('Pushed', extra),
      client_updated_at: time,
    }),
  ]);
  expect(result.failed).toEqual([]);
  return id;
}

/**
 * A push change setting `data` on contact `id` at `time`; `baseVersion` is the version the device
 * last saw (without it the change is decided by its time alone).
 */
const contactUpdate = (id: string, data: Record<string, unknown>, time: string, baseVersion?: number) =>
  change({
    entity_type: 'contact',
    entity_id: id,
    operation: 'update',
    data,
    ...(baseVersion === undefined ? {} : { base_version: baseVersion }),
    client_updated_at: time,
  });

const getContact = async (a: Account, id: string) => ok(a.api.get(`/contacts/${id}`), 200);

describe('applying changes', () => {
  it('creates with the client id, and the row keeps the client time as updated_at', async () => {
    const a = await account();
    const id = randomUUID();
    const time = ago(3600);
    const push = change({
      entity_type: 'contact',
      entity_id: id,
      operation: 'create',
      data: contactData('Offline Ada'),
      client_updated_at: time,
    });
    const result = await a.sync.push('device-a', [push]);
    expect(result).toEqual({ successful: [push.mutation_id], failed: [], conflicts: [] });
    const stored = await getContact(a, id);
    expect(stored).toMatchObject({
      id,
      full_name: 'Offline Ada',
      sync_version: 1,
      updated_at: time,
      is_archived: false,
    });
  });

  it('applies an update based on the current version and writes only the fields present', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(60), { company: 'Before', title: 'Keeps' });
    const push = contactUpdate(id, { company: 'After' }, ago(120), 1);
    const result = await a.sync.push('device-b', [push]);
    expect(result).toEqual({ successful: [push.mutation_id], failed: [], conflicts: [] });
    const stored = await getContact(a, id);
    expect(stored).toMatchObject({ company: 'After', title: 'Keeps', full_name: 'Pushed', sync_version: 2 });
    // The time of the winning write, even when older than the row's previous time (base matched).
    expect(stored.updated_at).toBe(push.client_updated_at);
  });

  it('delete archives the entity, and the row stays readable', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(60));
    const push = change({
      entity_type: 'contact',
      entity_id: id,
      operation: 'delete',
      base_version: 1,
      client_updated_at: ago(30),
    });
    expect((await a.sync.push('device-a', [push])).successful).toEqual([push.mutation_id]);
    expect(await getContact(a, id)).toMatchObject({
      is_archived: true,
      sync_version: 2,
      updated_at: push.client_updated_at,
    });
  });

  it('validates each change like the REST call it stands for: unknown fields, foreign keys and enum values fail', async () => {
    const a = await account();
    const b = await account();
    const foreignFolder = (await ok(b.api.get('/folders'), 200))[0].id;
    const changes = [
      change({
        entity_type: 'contact',
        entity_id: randomUUID(),
        operation: 'create',
        data: contactData('X', { no_such_field: 1 }),
      }),
      change({
        entity_type: 'note',
        entity_id: randomUUID(),
        operation: 'create',
        data: { title: 'n', folder_id: foreignFolder },
      }),
      change({
        entity_type: 'contact',
        entity_id: randomUUID(),
        operation: 'create',
        data: contactData('X', { status: 'bogus' }),
      }),
      change({
        entity_type: 'contact',
        entity_id: randomUUID(),
        operation: 'create',
        data: { full_name: 'no domain' },
      }),
    ];
    const result = await a.sync.push('device-a', changes);
    expect(result.successful).toEqual([]);
    expect(result.failed.map((failure) => [failure.mutation_id, failure.error.code])).toEqual(
      changes.map((c) => [c.mutation_id, 'VALIDATION_ERROR']),
    );
    expect(result.failed[0]?.error.message).toContain('no_such_field');
    expect(result.failed[1]?.error.message).toContain('folder_id');
    for (const failure of result.failed) expect(Object.keys(failure.error).sort()).toEqual(['code', 'message']);
  });

  it('names every offending field of a change in its message, as data spells it', async () => {
    const a = await account();
    const b = await account();
    const template = await ok(
      b.api.post('/pipelines/templates', {
        name: 'Theirs',
        domain: 'business',
        stages: [{ name: 'S', sort_order: 0 }],
      }),
    );
    const ownContact = await pushedContact(a, 'device-a', ago(60));
    const result = await a.sync.push('device-a', [
      change({
        entity_type: 'pipeline_item',
        entity_id: randomUUID(),
        operation: 'create',
        data: { template_id: template.id, current_stage_id: template.stages[0].id, contact_id: ownContact },
      }),
    ]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.error.code).toBe('VALIDATION_ERROR');
    expect(result.failed[0]?.error.message).toContain('template_id:');
    expect(result.failed[0]?.error.message).toContain('current_stage_id:');
    expect(result.failed[0]?.error.message).not.toContain('contact_id:');
  });

  it('ignores server-owned fields in data, so a device may send back what it read', async () => {
    const a = await account();
    const b = await account();
    const id = randomUUID();
    const result = await a.sync.push('device-a', [
      change({
        entity_type: 'contact',
        entity_id: id,
        operation: 'create',
        data: contactData('Owned', { user_id: b.user.userId, sync_version: 99, is_contact_zero: false }),
      }),
    ]);
    expect(result.failed).toEqual([]);
    expect(await getContact(a, id)).toMatchObject({ user_id: a.user.userId, sync_version: 1, is_contact_zero: false });
  });

  it('one bad change fails alone and writes nothing (its savepoint rolls back)', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(60), { company: 'Original' });
    const good1 = change({
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: contactData('Good one'),
    });
    // Valid company, invalid frame_score: the whole change must be refused, company included.
    const bad = change({
      entity_type: 'contact',
      entity_id: id,
      operation: 'update',
      data: { company: 'Half written', frame_score: 1000 },
      base_version: 1,
    });
    const good2 = change({
      entity_type: 'contact',
      entity_id: id,
      operation: 'update',
      data: { title: 'Applied' },
      base_version: 1,
    });
    const result = await a.sync.push('device-a', [good1, bad, good2]);
    expect(result.successful).toEqual([good1.mutation_id, good2.mutation_id]);
    expect(result.failed.map((failure) => failure.mutation_id)).toEqual([bad.mutation_id]);
    expect(await getContact(a, id)).toMatchObject({ company: 'Original', title: 'Applied', sync_version: 2 });
    // A failed change stored no result: fixed and retried under the same id, it applies.
    const retried = await a.sync.push('device-a', [{ ...bad, data: { company: 'Fixed' }, base_version: 2 }]);
    expect(retried.successful).toEqual([bad.mutation_id]);
  });

  it('carries membership sets of the parent in data', async () => {
    const a = await account();
    const contact = await pushedContact(a, 'device-a', ago(60));
    const group = randomUUID();
    const result = await a.sync.push('device-a', [
      change({
        entity_type: 'group',
        entity_id: group,
        operation: 'create',
        data: { name: 'Board', member_contact_ids: [contact] },
      }),
    ]);
    expect(result.failed).toEqual([]);
    expect((await ok(a.api.get(`/groups/${group}`), 200)).member_contact_ids).toEqual([contact]);
  });
});

describe('last write wins', () => {
  it('a stale base_version with a later client time wins, is applied and listed as client_won with the new row', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(600));
    await a.sync.push('device-a', [contactUpdate(id, { company: 'A' }, ago(500), 1)]);
    const late = contactUpdate(id, { company: 'B' }, ago(400), 1);
    const result = await a.sync.push('device-b', [late]);
    expect(result.successful).toEqual([late.mutation_id]);
    expect(result.conflicts).toHaveLength(1);
    const stored = await getContact(a, id);
    expect(result.conflicts[0]).toEqual({
      mutation_id: late.mutation_id,
      entity_type: 'contact',
      entity_id: id,
      resolution: 'client_won',
      server: stored,
    });
    expect(stored).toMatchObject({ company: 'B', sync_version: 3, updated_at: late.client_updated_at });
  });

  it('a stale base_version with an earlier client time loses: nothing is written and the winning row is reported', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(600));
    await a.sync.push('device-a', [contactUpdate(id, { company: 'Winner' }, ago(100), 1)]);
    const before = await getContact(a, id);
    const early = contactUpdate(id, { company: 'Loser' }, ago(200), 1);
    const result = await a.sync.push('device-b', [early]);
    expect(result.successful).toEqual([]);
    expect(result.conflicts).toEqual([
      {
        mutation_id: early.mutation_id,
        entity_type: 'contact',
        entity_id: id,
        resolution: 'server_won',
        server: before,
      },
    ]);
    expect(await getContact(a, id)).toEqual(before);
  });

  it('equal times go to the larger device_id', async () => {
    const a = await account();
    const time = ago(300);
    const id = await pushedContact(a, 'device-m', time);
    const smaller = contactUpdate(id, { company: 'from a' }, time, 0);
    const larger = contactUpdate(id, { company: 'from z' }, time, 0);
    expect((await a.sync.push('device-a', [smaller])).conflicts[0]?.resolution).toBe('server_won');
    expect((await a.sync.push('device-z', [larger])).conflicts[0]?.resolution).toBe('client_won');
    expect(await getContact(a, id)).toMatchObject({ company: 'from z', sync_version: 2 });
    // device-z now holds the tie: device-m (smaller) at the same time loses.
    const again = contactUpdate(id, { company: 'from m' }, time, 1);
    expect((await a.sync.push('device-m', [again])).conflicts[0]?.resolution).toBe('server_won');
  });

  it('without base_version the change is decided by its time alone', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(300));
    const newer = contactUpdate(id, { company: 'newer' }, ago(200));
    const older = contactUpdate(id, { company: 'older' }, ago(250));
    const result = await a.sync.push('device-b', [newer, older]);
    // Not stale (no version named), so a win is plain success; the older one loses to the newer.
    expect(result.successful).toEqual([newer.mutation_id]);
    expect(result.conflicts.map((c) => [c.mutation_id, c.resolution])).toEqual([[older.mutation_id, 'server_won']]);
    expect(await getContact(a, id)).toMatchObject({ company: 'newer', updated_at: newer.client_updated_at });
  });

  it('a REST write is stamped with the server clock and beats older device edits', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(300));
    const rest = await ok(a.api.patch(`/contacts/${id}`, { company: 'REST' }), 200);
    const offline = contactUpdate(id, { company: 'offline' }, ago(5), 1);
    const result = await a.sync.push('device-a', [offline]);
    expect(result.conflicts.map((c) => c.resolution)).toEqual(['server_won']);
    expect(await getContact(a, id)).toEqual(rest);
  });

  it('clamps a client time ahead of the server clock, so a fast clock does not win later conflicts', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(300));
    const before = Date.now();
    const fast = contactUpdate(id, { company: 'fast clock' }, new Date(Date.now() + 3_600_000).toISOString());
    expect((await a.sync.push('device-fast', [fast])).successful).toEqual([fast.mutation_id]);
    const stored = await getContact(a, id);
    const storedAt = Date.parse(stored.updated_at);
    expect(storedAt).toBeGreaterThanOrEqual(before);
    expect(storedAt).toBeLessThanOrEqual(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 5));
    // An honest device editing after that push (by the server clock) wins against it.
    const honest = contactUpdate(id, { company: 'honest' }, new Date().toISOString(), 1);
    expect((await a.sync.push('device-a', [honest])).conflicts.map((c) => c.resolution)).toEqual(['client_won']);
  });
});

describe('idempotency', () => {
  it('a retried mutation answers its first result and changes nothing', async () => {
    const a = await account();
    const id = randomUUID();
    const create = change({ entity_type: 'contact', entity_id: id, operation: 'create', data: contactData('Once') });
    const update = change({
      entity_type: 'contact',
      entity_id: id,
      operation: 'update',
      data: { company: 'First' },
      base_version: 1,
    });
    const first = await a.sync.push('device-a', [create, update]);
    const edited = await ok(a.api.patch(`/contacts/${id}`, { company: 'Edited since' }), 200);
    const retry = await a.sync.push('device-a', [create, update]);
    expect(retry).toEqual(first);
    expect(await getContact(a, id)).toEqual(edited);
  });

  it('a retried losing mutation answers the same conflict', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(60));
    const loser = contactUpdate(id, { company: 'late' }, ago(120), 0);
    const first = await a.sync.push('device-b', [loser]);
    expect(first.conflicts[0]?.resolution).toBe('server_won');
    await ok(a.api.patch(`/contacts/${id}`, { company: 'moved on' }), 200);
    expect(await a.sync.push('device-b', [loser])).toEqual(first);
  });

  it('the same push sent twice at once is applied once, and both answers agree', async () => {
    const a = await account();
    const id = await pushedContact(a, 'device-a', ago(60));
    const changes = Array.from({ length: 5 }, (_, index) =>
      contactUpdate(id, { company: `step ${index}` }, ago(50 - index)),
    );
    const [one, two] = await Promise.all([a.sync.push('device-a', changes), a.sync.push('device-a', changes)]);
    expect(one).toEqual(two);
    expect(one?.successful).toHaveLength(5);
    expect(await getContact(a, id)).toMatchObject({ company: 'step 4', sync_version: 6 });
  });

  it('mutation ids are per user', async () => {
    const a = await account();
    const b = await account();
    const mutationId = randomUUID();
    const forA = change({
      mutation_id: mutationId,
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: contactData('A'),
    });
    const forB = change({
      mutation_id: mutationId,
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: contactData('B'),
    });
    expect((await a.sync.push('device', [forA])).successful).toEqual([mutationId]);
    expect((await b.sync.push('device', [forB])).successful).toEqual([mutationId]);
    expect((await getContact(b, forB.entity_id)).full_name).toBe('B');
  });
});

describe('Contact Zero', () => {
  it('cannot be created through sync', async () => {
    const a = await account();
    const before = await getContact(a, a.user.contactZeroId);
    const sameId = change({
      entity_type: 'contact',
      entity_id: a.user.contactZeroId,
      operation: 'create',
      data: contactData('Me'),
    });
    const result = await a.sync.push('device-a', [sameId]);
    expect(result.failed.map((failure) => failure.error.code)).toEqual(['FORBIDDEN']);
    expect(await getContact(a, a.user.contactZeroId)).toEqual(before);
  });

  it('a create carrying is_contact_zero: true makes an ordinary contact, as POST /contacts does with the same body', async () => {
    const a = await account();
    const body = contactData('Me again', { is_contact_zero: true });
    const flagged = change({ entity_type: 'contact', entity_id: randomUUID(), operation: 'create', data: body });
    const result = await a.sync.push('device-a', [flagged]);
    expect(result).toMatchObject({ successful: [flagged.mutation_id], failed: [] });
    const pushed = await getContact(a, flagged.entity_id);
    const posted = await ok(a.api.post('/contacts', body));
    for (const contact of [pushed, posted])
      expect(contact).toMatchObject({ full_name: 'Me again', is_contact_zero: false, user_id: a.user.userId });
    const zeros = await ok(a.api.get('/contacts?is_contact_zero=true'), 200);
    expect(zeros.map((row: { id: string }) => row.id)).toEqual([a.user.contactZeroId]);
  });

  it('cannot be archived through sync, by delete or by is_archived', async () => {
    const a = await account();
    const before = await getContact(a, a.user.contactZeroId);
    const result = await a.sync.push('device-a', [
      change({ entity_type: 'contact', entity_id: a.user.contactZeroId, operation: 'delete' }),
      change({
        entity_type: 'contact',
        entity_id: a.user.contactZeroId,
        operation: 'update',
        data: { is_archived: true },
      }),
    ]);
    expect(result.failed.map((failure) => failure.error.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(await getContact(a, a.user.contactZeroId)).toEqual(before);
  });

  it('takes profile edits', async () => {
    const a = await account();
    const edit = change({
      entity_type: 'contact',
      entity_id: a.user.contactZeroId,
      operation: 'update',
      data: { company: 'Self Inc', full_name: 'Me Myself', phone: '+1 555 0101' },
    });
    expect((await a.sync.push('device-a', [edit])).successful).toEqual([edit.mutation_id]);
    expect(await getContact(a, a.user.contactZeroId)).toMatchObject({
      company: 'Self Inc',
      full_name: 'Me Myself',
      is_contact_zero: true,
    });
    // The user's profile mirrors Contact Zero (docs/accounts.md), through sync as through REST.
    expect((await ok(a.api.get('/auth/me'), 200)).user).toMatchObject({ full_name: 'Me Myself', phone: '+1 555 0101' });
  });
});

describe('refusals', () => {
  it("an update or delete of a missing entity, or of another user's, fails NOT_FOUND", async () => {
    const a = await account();
    const b = await account();
    const theirs = await pushedContact(b, 'device-b', ago(60));
    const result = await a.sync.push('device-a', [
      change({ entity_type: 'contact', entity_id: randomUUID(), operation: 'update', data: { company: 'x' } }),
      change({ entity_type: 'contact', entity_id: theirs, operation: 'update', data: { company: 'x' } }),
      change({ entity_type: 'contact', entity_id: theirs, operation: 'delete' }),
    ]);
    expect(result.failed.map((failure) => failure.error.code)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    expect(await getContact(b, theirs)).toMatchObject({ company: null, is_archived: false, sync_version: 1 });
  });

  it('an unknown entity_type (topics included) or operation fails that change with VALIDATION_ERROR', async () => {
    const a = await account();
    const good = change({
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: contactData('Fine'),
    });
    const changes = [
      change({ entity_type: 'spaceship', entity_id: randomUUID(), operation: 'create', data: {} }),
      change({ entity_type: 'topic', entity_id: randomUUID(), operation: 'create', data: { name: 'x' } }),
      change({ entity_type: 'contact', entity_id: randomUUID(), operation: 'upsert', data: contactData('x') }),
      good,
    ];
    const result = await a.sync.push('device-a', changes);
    expect(result.failed.map((failure) => failure.error.code)).toEqual([
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
    ]);
    expect(result.successful).toEqual([good.mutation_id]);
  });

  it('a change without a valid client_updated_at or entity_id fails alone', async () => {
    const a = await account();
    const noTime: Record<string, unknown> = {
      mutation_id: randomUUID(),
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: contactData('x'),
    };
    const badId = change({
      entity_type: 'contact',
      entity_id: 'not-a-uuid',
      operation: 'create',
      data: contactData('x'),
    });
    const response = await a.sync.pushRaw({
      device_id: 'device-a',
      changes: [noTime, badId, { ...badId, mutation_id: randomUUID(), client_updated_at: 'yesterday' }],
    });
    expect(response.status).toBe(200);
    expect(response.body.data.failed.map((failure: { error: { code: string } }) => failure.error.code)).toEqual([
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
    ]);
  });

  it('device_id and changes are required', async () => {
    const a = await account();
    const noDevice = await a.sync.pushRaw({ changes: [] });
    expectErrorEnvelope(noDevice, 400, 'VALIDATION_ERROR');
    expect(JSON.stringify(noDevice.body.error.details)).toContain('device_id');
    const noChanges = await a.sync.pushRaw({ device_id: 'device-a' });
    expectErrorEnvelope(noChanges, 400, 'VALIDATION_ERROR');
    expect(JSON.stringify(noChanges.body.error.details)).toContain('changes');
  });

  it(`a push of more than ${MAX_PUSH_CHANGES} changes answers 413 PAYLOAD_TOO_LARGE and applies none`, async () => {
    const a = await account();
    const changes = Array.from({ length: MAX_PUSH_CHANGES + 1 }, () =>
      change({ entity_type: 'contact', entity_id: randomUUID(), operation: 'create', data: contactData('Too many') }),
    );
    expectErrorEnvelope(await a.sync.pushRaw({ device_id: 'device-a', changes }), 413, 'PAYLOAD_TOO_LARGE');
    expect((await a.api.get(`/contacts/${changes[0]?.entity_id}`)).status).toBe(404);
  });

  it('a schema_version newer than the server answers 409 SCHEMA_MISMATCH; the current one is accepted', async () => {
    const a = await account();
    const push = change({
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: contactData('Newer'),
    });
    expectErrorEnvelope(
      await a.sync.pushRaw({ device_id: 'device-a', changes: [push], schema_version: SERVER_SCHEMA_VERSION + 1 }),
      409,
      'SCHEMA_MISMATCH',
    );
    expect((await a.api.get(`/contacts/${push.entity_id}`)).status).toBe(404);
    const current = await a.sync.pushRaw({
      device_id: 'device-a',
      changes: [push],
      schema_version: SERVER_SCHEMA_VERSION,
    });
    expect(current.body.data.successful).toEqual([push.mutation_id]);
  });

  it('needs an access token', async () => {
    const response = await syncClient(server.url, 'not-a-token').pushRaw({ device_id: 'd', changes: [] });
    expectErrorEnvelope(response, 401, 'UNAUTHORIZED');
  });
});

it('/openapi.json documents push and pull with their request and answer schemas', async () => {
  const response = await fetch(`${server.url}/openapi.json`);
  const document = (await response.json()) as any;
  const push = document.paths['/api/v1/sync/push']?.post;
  const pull = document.paths['/api/v1/sync/pull']?.post;
  expect(push && pull).toBeTruthy();
  const schemas = document.components.schemas;
  expect(schemas.SyncPushRequest.required).toEqual(expect.arrayContaining(['device_id', 'changes']));
  expect(schemas.SyncPushChange.required).toEqual([
    'mutation_id',
    'entity_type',
    'entity_id',
    'operation',
    'client_updated_at',
  ]);
  expect(schemas.SyncPushChange.properties.operation.enum).toEqual(['create', 'update', 'delete']);
  expect(Object.keys(push.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '409', '413']));
  expect(schemas.SyncPullResult.properties.data.required).toEqual(
    expect.arrayContaining(['changes', 'cursor', 'has_more', 'sync_timestamp', 'schema_version']),
  );
});
