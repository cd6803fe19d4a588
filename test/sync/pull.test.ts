// POST /sync/pull, one rule per test (docs/sync.md), over real HTTP on a real database.
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { encodeCursor } from '../../src/domain/sync/cursor.ts';
import { SERVER_SCHEMA_VERSION } from '../../src/domain/sync/schema-version.ts';
import { registerUser } from '../helpers/auth.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { RESOURCE_CASES } from '../resources/cases.ts';
import { apiFor, buildWorld, ok, type Api } from '../resources/world.ts';
import { seedContactChanges } from './seed-changes.ts';
import { change, contactData, syncClient, type PulledChange, type SyncClient } from './sync-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

interface Account {
  userId: string;
  api: Api;
  sync: SyncClient;
  contactZeroId: string;
}

async function account(): Promise<Account> {
  const user = await registerUser(server.url);
  return {
    userId: user.userId,
    api: apiFor(server.url, user.accessToken),
    sync: syncClient(server.url, user.accessToken),
    contactZeroId: user.contactZeroId,
  };
}

const REST_PATH: Record<string, string> = Object.fromEntries(
  RESOURCE_CASES.map((resource) => [resource.entityType, resource.path]),
);
REST_PATH.topic = 'topics';

/** Every pulled change's data must be exactly what GET of its REST resource answers. */
async function expectSameAsGet(api: Api, changes: PulledChange[]): Promise<void> {
  for (const pulled of changes) {
    const current = await ok(api.get(`/${REST_PATH[pulled.entity_type]}/${pulled.entity_id}`), 200);
    expect(pulled.data, `${pulled.entity_type} ${pulled.entity_id}`).toEqual(current);
    expect(pulled.sync_version).toBe(current.sync_version);
  }
}

async function createContacts(a: Account, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 500) {
    const changes = Array.from({ length: Math.min(500, count - start) }, (_, index) =>
      change({
        entity_type: 'contact',
        entity_id: randomUUID(),
        operation: 'create',
        data: contactData(`Contact ${start + index}`),
      }),
    );
    const result = await a.sync.push('device-a', changes);
    expect(result.failed).toEqual([]);
    ids.push(...changes.map((c) => c.entity_id));
  }
  return ids;
}

describe('pages', () => {
  it('from no cursor returns everything the account holds, each entity as GET shows it', async () => {
    const a = await account();
    const result = await a.sync.pull();
    expect(result.has_more).toBe(false);
    // Registration made Contact Zero and the four default folders.
    expect(result.changes.map((c) => c.entity_type).sort()).toEqual([
      'contact',
      'folder',
      'folder',
      'folder',
      'folder',
    ]);
    expect(result.changes.find((c) => c.entity_type === 'contact')?.entity_id).toBe(a.contactZeroId);
    expect(result.changes.every((c) => c.operation === 'upsert')).toBe(true);
    await expectSameAsGet(a.api, result.changes);
  });

  it('pages with has_more and the cursor, each entity once, nothing skipped', async () => {
    const a = await account();
    const ids = await createContacts(a, 12);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await a.sync.pull(cursor, 5);
      pages += 1;
      expect(page.changes.length).toBeLessThanOrEqual(5);
      seen.push(...page.changes.map((c) => c.entity_id));
      cursor = page.cursor;
      if (!page.has_more) break;
    }
    expect(pages).toBe(4); // 5 from registration + 12 = 17 changes
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));
    // The last cursor has nothing after it, until something changes.
    expect((await a.sync.pull(cursor)).changes).toEqual([]);
    await ok(a.api.patch(`/contacts/${ids[3]}`, { company: 'later' }), 200);
    expect((await a.sync.pull(cursor)).changes.map((c) => c.entity_id)).toEqual([ids[3]]);
  });

  it('sends 500 changes by default and caps limit at 1000', async () => {
    const a = await account();
    await seedContactChanges(server.server.services.db, a.userId, 1100);
    const byDefault = await a.sync.pull();
    expect(byDefault.changes).toHaveLength(500);
    expect(byDefault.has_more).toBe(true);
    const capped = await a.sync.pull(undefined, 5000);
    expect(capped.changes).toHaveLength(1000);
    expect(capped.has_more).toBe(true);
  });

  it('refuses a cursor it did not issue, and a bad limit, with 400 VALIDATION_ERROR', async () => {
    const a = await account();
    for (const cursor of [
      'not a cursor!',
      Buffer.from('seq:-1').toString('base64url'),
      Buffer.from('{"seq":1}').toString('base64url'),
      encodeCursor(999_999),
    ]) {
      const response = await a.sync.pullRaw({ cursor });
      expectErrorEnvelope(response, 400, 'VALIDATION_ERROR');
      expect(JSON.stringify(response.body.error.details)).toContain('cursor');
    }
    for (const limit of [0, -1, 2.5, 'ten'])
      expectErrorEnvelope(await a.sync.pullRaw({ limit }), 400, 'VALIDATION_ERROR');
  });

  it('answers the server schema_version and a sync_timestamp; a newer client schema_version is 409 SCHEMA_MISMATCH', async () => {
    const a = await account();
    const before = Date.now();
    const result = await a.sync.pull();
    expect(result.schema_version).toBe(SERVER_SCHEMA_VERSION);
    expect(Date.parse(result.sync_timestamp)).toBeGreaterThanOrEqual(before - 1000);
    expect((await a.sync.pullRaw({ schema_version: SERVER_SCHEMA_VERSION })).status).toBe(200);
    expectErrorEnvelope(await a.sync.pullRaw({ schema_version: SERVER_SCHEMA_VERSION + 1 }), 409, 'SCHEMA_MISMATCH');
  });

  it("never shows another user's changes", async () => {
    const a = await account();
    const b = await account();
    await createContacts(b, 3);
    const mine = await a.sync.pullAll();
    expect(mine.changes).toHaveLength(5);
    for (const pulled of mine.changes) expect(pulled.data?.user_id).not.toBe(undefined);
    const bIds = new Set((await b.sync.pullAll()).changes.map((c) => c.entity_id));
    expect(mine.changes.some((c) => bIds.has(c.entity_id))).toBe(false);
  });
});

describe('what a change carries', () => {
  it('every entity type, created through push, arrives exactly as GET shows it', async () => {
    const world = await buildWorld(server.url);
    const sync = syncClient(server.url, world.user.accessToken);
    const cursor = (await sync.pullAll()).cursor;
    const pushes = RESOURCE_CASES.map((resource) =>
      change({
        entity_type: resource.entityType,
        entity_id: randomUUID(),
        operation: 'create',
        data: resource.create(world),
      }),
    );
    const result = await sync.push('device-a', pushes);
    expect(result.failed).toEqual([]);
    const pulled = (await sync.pullAll(cursor)).changes;
    for (const push of pushes) expect(pulled.map((c) => c.entity_id)).toContain(push.entity_id);
    await expectSameAsGet(world.api, pulled);
  });

  it('archived rows travel as archive tombstones', async () => {
    const a = await account();
    const [id] = await createContacts(a, 1);
    const cursor = (await a.sync.pullAll()).cursor;
    expect((await a.api.del(`/contacts/${id}`)).status).toBe(204);
    const [tombstone, ...rest] = (await a.sync.pull(cursor)).changes;
    expect(rest).toEqual([]);
    expect(tombstone).toMatchObject({ entity_type: 'contact', entity_id: id, operation: 'archive', sync_version: 2 });
    expect(tombstone?.data?.is_archived).toBe(true);
  });

  it('membership sets travel inside their parent, and changing one moves the parent', async () => {
    const world = await buildWorld(server.url);
    const sync = syncClient(server.url, world.user.accessToken);
    const { api } = world;
    await ok(api.patch(`/notes/${world.noteId}`, { target_contact_ids: [world.contactId] }), 200);
    await ok(
      api.patch(`/projects/${world.projectId}`, {
        related_contact_ids: [world.contact2Id],
        task_links: [{ section_id: world.sectionId, task_id: world.taskId }],
      }),
      200,
    );
    const all = (await sync.pullAll()).changes;
    const byId = new Map(all.map((c) => [c.entity_id, c]));
    expect(byId.get(world.noteId)?.data?.target_contact_ids).toEqual([world.contactId]);
    expect(byId.get(world.groupId)?.data?.member_contact_ids).toEqual([world.contact2Id]);
    expect(byId.get(world.projectId)?.data?.related_contact_ids).toEqual([world.contact2Id]);
    expect(byId.get(world.projectId)?.data?.task_links).toEqual([
      expect.objectContaining({ section_id: world.sectionId, task_id: world.taskId }),
    ]);
    await expectSameAsGet(api, all);

    const cursor = (await sync.pullAll()).cursor;
    await ok(api.post(`/groups/${world.groupId}/members`, { contact_ids: [world.contactId] }), 200);
    const next = (await sync.pull(cursor)).changes;
    expect(next.map((c) => c.entity_id)).toEqual([world.groupId]);
    expect([...(next[0]?.data?.member_contact_ids ?? [])].sort()).toEqual([world.contactId, world.contact2Id].sort());
  });
});

describe('one cursor for every door', () => {
  it('REST writes and sync pushes move the same cursor', async () => {
    const a = await account();
    const [viaPush] = await createContacts(a, 1);
    const cursor = (await a.sync.pullAll()).cursor;
    const viaRest = await ok(a.api.post('/contacts', contactData('REST made')));
    await a.sync.push('device-a', [
      change({
        entity_type: 'contact',
        entity_id: viaPush as string,
        operation: 'update',
        data: { company: 'pushed' },
      }),
    ]);
    const next = await a.sync.pull(cursor);
    expect(next.changes.map((c) => c.entity_id)).toEqual([viaRest.id, viaPush]);
    await expectSameAsGet(a.api, next.changes);
  });

  it("a note's document stored through POST /notes/:id/doc and compaction moves the cursor, with the topics it made", async () => {
    const a = await account();
    const note = await ok(a.api.post('/notes', { title: 'Draft' }));
    const cursor = (await a.sync.pullAll()).cursor;
    const doc = buildBlockSuiteDocument('Weekly review', ['Talked about [[Roadmap Topic]].']);
    const update = Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64');
    const stored = await a.api.post(`/notes/${note.id}/doc`, { update });
    expect(stored.status, JSON.stringify(stored.body)).toBe(200);
    await server.server.services.documents.compactNow(note.id);
    const next = (await a.sync.pullAll(cursor)).changes;
    const pulledNote = next.find((c) => c.entity_id === note.id);
    expect(pulledNote?.data).toMatchObject({ title: 'Weekly review' });
    expect(pulledNote?.sync_version).toBeGreaterThan(note.sync_version);
    expect(next.some((c) => c.entity_type === 'topic')).toBe(true);
    await expectSameAsGet(a.api, next);
  });
});

it('counts pushes and pulls in /metrics', async () => {
  const a = await account();
  await createContacts(a, 2);
  await a.sync.pull();
  const metrics = await request(server.url, 'GET', '/metrics');
  const text = String(metrics.body);
  expect(text).toMatch(/sync_push_changes_total\{outcome="applied"\} [1-9]/);
  expect(text).toMatch(/sync_pulls_total [1-9]/);
  expect(text).toMatch(/sync_pulled_changes_total [1-9]/);
});
