// A push is applied in one transaction with a savepoint per change (src/domain/sync/push.ts), and
// falls back to a transaction per change when that batch is abandoned. Both are observed on the
// real database by wrapping the server's own Db: the wrapper only counts (or, for the fallback,
// fails the batch once after its work is done), every statement still runs for real.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import type { AuthContext } from '../../src/domain/auth/auth-context.ts';
import { pushChanges, type PushOutcome } from '../../src/domain/sync/push.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ok } from '../resources/world.ts';
import { syncAccount } from './sync-account.ts';
import { type Change, change, contactData } from './sync-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

async function account() {
  const synced = await syncAccount(server.url);
  const { user } = synced;
  const auth: AuthContext = {
    userId: user.userId,
    contactZeroId: user.contactZeroId,
    sessionId: randomUUID(),
    email: user.email,
  };
  return { ...synced, auth };
}

/** The server's Db, with its top-level transactions counted; `failFirst` rolls the first one back at its end. */
function observedDb(options: { failFirst?: boolean } = {}): { db: Db; transactions: () => number } {
  const db = server.server.services.db;
  let started = 0;
  const transaction: Db['transaction'] = (work, config) => {
    started += 1;
    if (options.failFirst && started === 1) {
      return db.transaction(async (tx) => {
        await work(tx);
        throw new Error('simulated failure after the batch did its work');
      }, config);
    }
    return db.transaction(work, config);
  };
  const wrapped = new Proxy(db, {
    get: (target, property, receiver) =>
      property === 'transaction' ? transaction : Reflect.get(target, property, receiver),
  });
  return { db: wrapped, transactions: () => started };
}

/** Twenty creates, one of them invalid (frame_score out of range), and an update of the first. */
function queue() {
  const ids = Array.from({ length: 20 }, () => randomUUID());
  const creates = ids.map((id, index) =>
    change({
      entity_type: 'contact',
      entity_id: id,
      operation: 'create',
      data: contactData(`Batch ${index}`, index === 7 ? { frame_score: 1000 } : {}),
    }),
  );
  const update = change({
    entity_type: 'contact',
    entity_id: ids[0] as string,
    operation: 'update',
    data: { company: 'Updated in the same push' },
    base_version: 1,
  });
  return { ids, changes: [...creates, update], bad: creates[7]?.mutation_id };
}

/** The changes as the HTTP route hands them to the domain: plain records. */
const asRequest = (changes: Change[]) =>
  changes.map((one): { mutation_id: string } & Record<string, unknown> => ({ ...one }));

describe('a push in one transaction', () => {
  it('commits every change that goes through in a single transaction; a bad change fails alone', async () => {
    const a = await account();
    const { ids, changes, bad } = queue();
    const observed = observedDb();
    const outcomes: PushOutcome[] = [];
    const result = await pushChanges(
      observed.db,
      a.auth,
      { device_id: 'device-a', changes: asRequest(changes) },
      {
        onOutcome: (outcome) => outcomes.push(outcome),
      },
    );
    expect(observed.transactions()).toBe(1);
    expect(result.failed.map((failure) => failure.mutation_id)).toEqual([bad]);
    expect(result.failed[0]?.error.code).toBe('VALIDATION_ERROR');
    expect(result.successful).toHaveLength(changes.length - 1);
    expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(changes.length - 1);
    expect(await ok(a.api.get(`/contacts/${ids[0]}`), 200)).toMatchObject({
      company: 'Updated in the same push',
      sync_version: 2,
    });
    expect((await a.api.get(`/contacts/${ids[7]}`)).status).toBe(404);

    // Every applied change is in the feed, once.
    const { changes: pulled } = await a.sync.pullAll();
    const pulledContacts = new Set(
      pulled.filter((entry) => entry.entity_type === 'contact').map((entry) => entry.entity_id),
    );
    expect(pulled.length).toBe(new Set(pulled.map((entry) => `${entry.entity_type}:${entry.entity_id}`)).size);
    for (const [index, id] of ids.entries()) expect(pulledContacts.has(id)).toBe(index !== 7);
  });

  it('an abandoned batch is rolled back and applied change by change, with the same answer', async () => {
    const a = await account();
    const { ids, changes, bad } = queue();
    const observed = observedDb({ failFirst: true });
    const result = await pushChanges(observed.db, a.auth, { device_id: 'device-a', changes: asRequest(changes) });
    // One batch (rolled back), then one transaction per change.
    expect(observed.transactions()).toBe(1 + changes.length);
    expect(result.failed.map((failure) => failure.mutation_id)).toEqual([bad]);
    expect(result.successful).toHaveLength(changes.length - 1);
    // Applied once: the rolled-back batch left no claim, no row and no version behind.
    expect(await ok(a.api.get(`/contacts/${ids[0]}`), 200)).toMatchObject({ sync_version: 2 });
    const retried = await a.sync.push('device-a', changes);
    expect(retried.successful).toEqual(result.successful);
    expect(await ok(a.api.get(`/contacts/${ids[0]}`), 200)).toMatchObject({ sync_version: 2 });
  });
});
