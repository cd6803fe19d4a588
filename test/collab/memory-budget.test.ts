// MAX_LIVE_STRUCTS (docs/security.md, "Memory budget"): the documents one process holds live are
// bounded together, not only one by one. Small bounds here; each push of 1900 empty maps into an
// array costs 1901 (one item and 1900 values, update-cost.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { RegisteredUser } from '../helpers/auth.ts';
import { connectKept, type TestProvider, textOf, waitAcknowledged, waitFor, waitSynced } from '../helpers/collab.ts';
import type { TestServer } from '../helpers/server.ts';
import { destroyProvidersAndServer, startServerWithUsers } from '../helpers/server-with-users.ts';
import { mergeStoredState } from '../../src/domain/documents/document-state.ts';
import type { StoredDocumentState } from '../../src/domain/documents/update-log.ts';
import { noteOf, PUSH_COST, pushMaps, SMALL_MEMORY_BUDGET_ONE_USER, storedText } from './fixtures.ts';

function storedItems(state: StoredDocumentState | null): number {
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, mergeStoredState(state));
  return doc.getArray('items').length;
}

const BUDGET_CLOSE = { code: 4503, reason: 'Server memory budget reached, reconnect later' };

let server: TestServer;
let user: RegisteredUser;
const opened: TestProvider[] = [];

beforeAll(async () => {
  // One user fills it here: their share is the whole budget (user-memory-share.test.ts tests the share).
  [server, user] = await startServerWithUsers(1, SMALL_MEMORY_BUDGET_ONE_USER);
});
afterAll(() => destroyProvidersAndServer(opened, server));

const ledger = () => server.server.services.documents.liveCost;

const open = (name: string): TestProvider =>
  connectKept(opened, server.collabUrl, name, user.accessToken, { awareness: false });

describe('MAX_LIVE_STRUCTS', () => {
  it('refuses the load and the update that would pass it (4503), and lets them in once memory is freed', async () => {
    // A document stored earlier, not in memory now.
    const stored = open('budget-stored');
    await waitSynced(stored);
    pushMaps(stored.doc);
    await waitAcknowledged(stored);
    stored.destroy();
    await waitFor(() => ledger().total === 0, 15_000, 'the stored document to leave memory');

    // Two live documents hold 3 × 1901 of the 6000.
    const first = open('budget-first');
    await waitSynced(first);
    pushMaps(first.doc);
    await waitAcknowledged(first);
    pushMaps(first.doc);
    await waitAcknowledged(first);
    const second = open('budget-second');
    await waitSynced(second);
    pushMaps(second.doc);
    await waitAcknowledged(second);
    expect(ledger().total).toBe(3 * PUSH_COST);

    // Loading the stored one (1901 more) would pass the budget: refused before it is read.
    const reopened = open('budget-stored');
    await waitFor(() => reopened.closes.length > 0, 15_000, 'the load to be refused');
    expect(reopened.closes[0]).toEqual(BUDGET_CLOSE);
    // So would another push into a live document.
    pushMaps(second.doc);
    await waitFor(() => second.closes.length > 0, 15_000, 'the update to be refused');
    expect(second.closes[0]).toEqual(BUDGET_CLOSE);
    expect(ledger().total).toBeLessThanOrEqual(6000);

    // What fits still goes in: the first document keeps being edited.
    first.doc.getText('text').insert(0, 'still editing');
    await waitAcknowledged(first);
    const firstNote = await noteOf(server, 'budget-first');
    expect(await storedText(server, firstNote!.id)).toBe(textOf(first.doc));

    // The first document leaves memory: both refused providers reconnect and get in.
    first.destroy();
    await waitSynced(reopened, 30_000);
    expect(reopened.doc.getArray('items').length).toBe(1900);
    await waitAcknowledged(second, 30_000);
    const secondNote = await noteOf(server, 'budget-second');
    expect(storedItems(await server.server.services.documents.loadState(secondNote!.id))).toBe(3800);
    expect(ledger().total).toBeLessThanOrEqual(6000);
  }, 120_000);
});
