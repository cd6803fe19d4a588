// Time of a 500-create push in process (no HTTP), per round; add --cpu-prof to see where it goes:
// TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm exec -- node --experimental-strip-types --no-warnings bench/probes/push-phases.ts
import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { insertAccount } from '../../src/domain/auth/accounts.ts';
import { pushChanges } from '../../src/domain/sync/push.ts';

const t = await createTestDatabase();
try {
  const account = await t.db.transaction((tx) =>
    insertAccount(tx, { email: 'push@example.com', passwordHash: 'x', fullName: 'A', avatarUrl: null }),
  );
  const auth = {
    userId: account.user.id,
    contactZeroId: account.contactZero.id,
    sessionId: randomUUID(),
    email: 'push@example.com',
  };
  const creates = (count: number) =>
    Array.from({ length: count }, (_, index) => ({
      mutation_id: randomUUID(),
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: {
        full_name: `Pushed ${index}`,
        relationship_domain: 'business',
        relationship_role: 'client',
        tags: ['bench'],
      },
      client_updated_at: new Date().toISOString(),
    }));
  const ms: number[] = [];
  for (let round = 0; round < Number(process.env.ROUNDS ?? 10); round += 1) {
    const changes = creates(500);
    const started = performance.now();
    const result = await pushChanges(t.db, auth, { device_id: 'probe', changes });
    ms.push(Math.round(performance.now() - started));
    if (result.successful.length !== 500) throw new Error(JSON.stringify(result.failed[0]));
  }
  console.log(JSON.stringify({ engine: t.handle.engine, ms }));
} finally {
  await t.drop();
}
