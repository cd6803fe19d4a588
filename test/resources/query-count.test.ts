// No N+1 reads: listing a resource, or pulling its changes, sends the same number of statements to
// the database whether the page holds 5 rows or 25 (counted by the db_queries_total metric).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { syncClient } from '../sync/sync-client.ts';
import { RESOURCE_CASES } from './cases.ts';
import { ok, startServerWithWorlds, type World } from './world.ts';

let server: TestServer;
let world: World;
beforeAll(async () => {
  [server, world] = await startServerWithWorlds(1);
});
afterAll(async () => server?.destroy());

async function queriesSoFar(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^db_queries_total (\d+)/m.exec(text)?.[1]);
}

/** Statements `call` sends, plus the constant cost of one scrape. */
async function statementsOf(call: () => Promise<unknown>): Promise<number> {
  const before = await queriesSoFar();
  await call();
  return (await queriesSoFar()) - before;
}

async function createMany(path: string, body: () => Record<string, unknown>, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const created = body();
    // Names that must be unique among siblings get a suffix.
    for (const field of ['name', 'title', 'full_name'])
      if (typeof created[field] === 'string') created[field] = `${created[field] as string} ${index}-${Math.random()}`;
    await ok(world.api.post(`/${path}`, created));
  }
}

describe('statements per request do not grow with the page', () => {
  for (const resource of RESOURCE_CASES) {
    it(`GET /${resource.path}`, async () => {
      const list = () => ok(world.api.get(`/${resource.path}?per_page=100`), 200);
      await createMany(resource.path, () => resource.create(world), 5);
      await list();
      const small = await statementsOf(list);
      await createMany(resource.path, () => resource.create(world), 20);
      const large = await statementsOf(list);
      expect(((await list()) as unknown[]).length).toBeGreaterThanOrEqual(25);
      expect(small).toBeGreaterThan(0);
      expect(large, `${large} statements for 25+ rows, ${small} for 5+`).toBe(small);
    });
  }

  it('GET /export (every note with its document)', async () => {
    const exportAll = () => ok(world.api.get('/export'), 200);
    await createMany('notes', () => ({ title: 'Exported' }), 5);
    const small = await statementsOf(exportAll);
    await createMany('notes', () => ({ title: 'Exported' }), 20);
    const large = await statementsOf(exportAll);
    expect(small).toBeGreaterThan(0);
    expect(large, `${large} statements with 20 more notes, ${small} before`).toBe(small);
  });

  it('POST /sync/pull', async () => {
    const sync = syncClient(server.url, world.user.accessToken);
    const { cursor } = await sync.pullAll();
    // Changes of every type: one row of each resource, then five more of each.
    for (const resource of RESOURCE_CASES) await createMany(resource.path, () => resource.create(world), 1);
    const small = await statementsOf(() => sync.pull(cursor, 1000));
    for (const resource of RESOURCE_CASES) await createMany(resource.path, () => resource.create(world), 5);
    const pulled = await sync.pull(cursor, 1000);
    expect(pulled.changes.length).toBeGreaterThanOrEqual(RESOURCE_CASES.length * 6);
    const large = await statementsOf(() => sync.pull(cursor, 1000));
    expect(small).toBeGreaterThan(0);
    expect(large, `${large} statements for ${pulled.changes.length} changes, ${small} for fewer`).toBe(small);
  });
});
