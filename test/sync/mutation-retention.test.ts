// Processed push mutations are remembered for SYNC_MUTATION_RETENTION_DAYS, then forgotten in
// batches, so sync_mutations does not grow with every push for ever.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { syncMutations } from '../../src/db/schema/index.ts';
import { pruneMutations } from '../../src/domain/sync/mutation-log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { registerUser } from '../helpers/auth.ts';
import { startTestServer } from '../helpers/server.ts';
import { insertUser } from '../domain/documents/fixtures.ts';
import { change, contactData, syncClient } from './sync-client.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

const DAY_MS = 24 * 60 * 60 * 1000;

it('deletes exactly the mutations older than the cut-off, in batches, for every user', async () => {
  const [alice, bob] = [await insertUser(database.db), await insertUser(database.db)];
  const row = (userId: string, ageDays: number) => ({
    user_id: userId,
    mutation_id: randomUUID(),
    result: { status: 'applied' },
    created_at: new Date(Date.now() - ageDays * DAY_MS),
  });
  const old = [
    ...Array.from({ length: 7 }, () => row(alice.userId, 40)),
    ...Array.from({ length: 5 }, () => row(bob.userId, 31)),
  ];
  const recent = [row(alice.userId, 29), row(bob.userId, 1), row(bob.userId, 0)];
  await database.db.insert(syncMutations).values([...old, ...recent]);

  const pruned = await pruneMutations(database.db, new Date(Date.now() - 30 * DAY_MS), 3);
  expect(pruned).toBe(old.length);
  const left = await database.db.select({ mutation_id: syncMutations.mutation_id }).from(syncMutations);
  expect(left.map((entry) => entry.mutation_id).sort()).toEqual(recent.map((entry) => entry.mutation_id).sort());
  expect(await pruneMutations(database.db, new Date(Date.now() - 30 * DAY_MS))).toBe(0);
});

it('a retry within the retention answers the first result; the service forgets older ones', async () => {
  const server = await startTestServer({ SYNC_MUTATION_RETENTION_DAYS: '30' });
  const db = server.server.services.db;
  try {
    const user = await registerUser(server.url);
    const client = syncClient(server.url, user.accessToken);
    const created = change({
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: contactData('Retained'),
    });
    expect((await client.push('device-a', [created])).failed).toEqual([]);
    const retried = await client.push('device-a', [created]);
    expect(retried.failed).toEqual([]);
    expect(retried.successful).toEqual([created.mutation_id]);

    // Forty days later, as far as the job can tell.
    await db
      .update(syncMutations)
      .set({ created_at: sql`now() - interval '40 days'` })
      .where(eq(syncMutations.mutation_id, created.mutation_id));
    expect(await server.server.services.sync.pruneMutations()).toBe(1);
    expect(await db.select().from(syncMutations).where(eq(syncMutations.mutation_id, created.mutation_id))).toEqual([]);
  } finally {
    await server.destroy();
  }
});
