// MAX_USER_LIVE_STRUCTS (docs/security.md, "Memory budget"): one user's live documents may hold
// only their share of MAX_LIVE_STRUCTS, so that one account cannot spend the whole budget and have
// everybody else's loads and edits refused. Each push of 1900 empty maps costs 1901 (update-cost.ts).
// Without the share, user A's third push fits the process (5703 of 6000) and user B's is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredUser } from '../helpers/auth.ts';
import { connectKept, type TestProvider, waitAcknowledged, waitFor, waitSynced } from '../helpers/collab.ts';
import type { TestServer } from '../helpers/server.ts';
import { destroyProvidersAndServer, startServerWithUsers } from '../helpers/server-with-users.ts';
import { CLOSE } from '../../src/collab/close-codes.ts';
import { PUSH_COST, pushMaps, SMALL_MEMORY_BUDGET } from './fixtures.ts';

let server: TestServer;
let userA: RegisteredUser;
let userB: RegisteredUser;
const opened: TestProvider[] = [];

beforeAll(async () => {
  [server, userA, userB] = await startServerWithUsers(2, { ...SMALL_MEMORY_BUDGET, MAX_USER_LIVE_STRUCTS: '4000' });
});
afterAll(() => destroyProvidersAndServer(opened, server));

const documents = () => server.server.services.documents;

const open = (user: RegisteredUser, name: string): TestProvider =>
  connectKept(opened, server.collabUrl, name, user.accessToken, { awareness: false });

describe('MAX_USER_LIVE_STRUCTS', () => {
  it("refuses the user whose share is spent (4503), not another user, and frees the share when the user's documents leave", async () => {
    // A fills one document with 2 × 1901 of their 4000.
    const first = open(userA, 'share-a-first');
    await waitSynced(first);
    pushMaps(first.doc);
    await waitAcknowledged(first);
    pushMaps(first.doc);
    await waitAcknowledged(first);
    expect(documents().userShares.heldBy(userA.userId)).toBe(2 * PUSH_COST);

    // A second document of A's loads (empty: nothing to hold) but may not grow past A's share.
    const second = open(userA, 'share-a-second');
    await waitSynced(second);
    pushMaps(second.doc);
    await waitFor(() => second.closes.length > 0, 15_000, "A's update to be refused");
    expect(second.closes[0]).toEqual(CLOSE.userMemoryShare);
    expect(documents().userShares.heldBy(userA.userId)).toBe(2 * PUSH_COST);

    // B, meanwhile, loads a document and edits it: the process still has room for them.
    const other = open(userB, 'share-b');
    await waitSynced(other);
    pushMaps(other.doc);
    await waitAcknowledged(other);
    expect(other.closes).toEqual([]);
    expect(documents().userShares.heldBy(userB.userId)).toBe(PUSH_COST);
    expect(documents().liveCost.total).toBe(3 * PUSH_COST);

    // A's first document leaves memory: their share is free again, and the refused provider
    // (reconnecting with backoff) gets its update in.
    first.destroy();
    await waitAcknowledged(second, 30_000);
    expect(second.doc.getArray('items').length).toBe(1900);
    await waitFor(
      () => documents().userShares.heldBy(userA.userId) === PUSH_COST,
      15_000,
      "A's first document to leave memory",
    );
    expect(documents().liveCost.total).toBe(2 * PUSH_COST);
  }, 120_000);
});
