// MAX_LIVE_STRUCTS outside the collaboration server (docs/security.md, "Memory budget"): a note's
// document decoded for a REST read, a pull, HTTP document sync or a compaction from the database
// takes its cost from the same process ledger as live documents. With the budget held by a live
// document, each is refused (503, Retry-After) or deferred (compaction: retried, the log keeps every
// acknowledged edit), and each succeeds once the live document leaves memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mergeStoredState } from '../../src/domain/documents/document-state.ts';
import { withDecodeCost } from '../../src/domain/documents/decode-budget.ts';
import { createLiveCostLedger } from '../../src/domain/documents/update-cost.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import {
  connectKept,
  eventually,
  type TestProvider,
  waitAcknowledged,
  waitFor,
  waitSynced,
} from '../helpers/collab.ts';
import type { TestServer } from '../helpers/server.ts';
import { destroyProvidersAndServer, startServerWithUsers } from '../helpers/server-with-users.ts';
import { countUserRows, loadSample } from '../import/support.ts';
import { apiFor, ok } from '../resources/world.ts';
import { PUSH_COST, pushMaps, SMALL_MEMORY_BUDGET_ONE_USER } from './fixtures.ts';

let server: TestServer;
let user: RegisteredUser;
const opened: TestProvider[] = [];

beforeAll(async () => {
  // One user fills it here: their share is the whole budget (user-memory-share.test.ts tests the share).
  [server, user] = await startServerWithUsers(1, SMALL_MEMORY_BUDGET_ONE_USER);
});
afterAll(() => destroyProvidersAndServer(opened, server));

const documents = () => server.server.services.documents;
const ledger = () => documents().liveCost;

/** An update pushing 1900 empty maps into `items` (PUSH_COST), on top of `base`. */
function pushUpdate(base: Y.Doc): Uint8Array {
  const before = Y.encodeStateVector(base);
  pushMaps(base);
  return Y.encodeStateAsUpdate(base, before);
}

async function storedItems(noteId: string): Promise<{ items: number; logEntries: number }> {
  const state = await documents().loadState(noteId);
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, mergeStoredState(state));
  return { items: doc.getArray('items').length, logEntries: state?.log.length ?? 0 };
}

describe('documents decoded outside the collaboration server count in MAX_LIVE_STRUCTS', () => {
  it('are refused (503) or deferred while a live document holds the budget, and go through once it leaves', async () => {
    const api = apiFor(server.url, user.accessToken);
    // A note that is not open live, with two acknowledged edits in its log (2 × 1901 once decoded).
    const note = await ok(api.post('/notes', { title: 'Stored, not live' }));
    const source = new Y.Doc();
    await documents().appendUpdate(note.id, pushUpdate(source));
    await documents().appendUpdate(note.id, pushUpdate(source));
    expect(await storedItems(note.id)).toEqual({ items: 3800, logEntries: 2 });
    expect(ledger().total).toBe(0);

    // A live document takes 2 × 1901 of the 6000: decoding the stored note too would pass it.
    const live = connectKept(opened, server.collabUrl, 'decode-budget-live', user.accessToken, { awareness: false });
    await waitSynced(live);
    for (let push = 0; push < 2; push += 1) {
      live.doc.getArray('items').push(Array.from({ length: 1900 }, () => ({})));
      await waitAcknowledged(live);
    }
    expect(ledger().total).toBe(2 * PUSH_COST);

    // REST read of the note (its current document), a pull, HTTP document sync: 503 with Retry-After.
    const read = await api.get(`/notes/${note.id}`);
    expect(read.status, JSON.stringify(read.body)).toBe(503);
    expect(read.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(Number(read.headers.get('retry-after'))).toBeGreaterThan(0);
    const pulled = await api.post('/sync/pull', {});
    expect(pulled.status).toBe(503);
    const synced = await api.post(`/notes/${note.id}/doc`, {});
    expect(synced.status).toBe(503);
    // Nothing taken by the refusals.
    expect(ledger().total).toBe(2 * PUSH_COST);

    // Compaction from the database is deferred, not failed: the log keeps both edits.
    expect(await documents().compactNow(note.id)).toBe(false);
    expect(await storedItems(note.id)).toEqual({ items: 3800, logEntries: 2 });
    expect(ledger().total).toBe(2 * PUSH_COST);

    // The live document is still edited meanwhile (what fits goes in).
    live.doc.getText('text').insert(0, 'still editing');
    await waitAcknowledged(live);

    // It leaves memory: every one of them goes through.
    live.destroy();
    await waitFor(() => ledger().total === 0, 15_000, 'the live document to leave memory');
    const readAgain = await api.get(`/notes/${note.id}`);
    expect(readAgain.status).toBe(200);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Buffer.from(readAgain.body.data.blocksuite_doc, 'base64'));
    expect(doc.getArray('items').length).toBe(3800);
    expect((await api.post('/sync/pull', {})).status).toBe(200);
    expect((await api.post(`/notes/${note.id}/doc`, {})).status).toBe(200);
    expect(await documents().compactNow(note.id)).toBe(true);
    expect(await storedItems(note.id)).toEqual({ items: 3800, logEntries: 0 });
    expect(ledger().total).toBe(0);
  }, 120_000);

  it('a deferred scheduled compaction is retried until it finds room', async () => {
    const api = apiFor(server.url, user.accessToken);
    const note = await ok(api.post('/notes', { title: 'Compacted later' }));
    const source = new Y.Doc();
    await documents().appendUpdate(note.id, pushUpdate(source));
    await documents().appendUpdate(note.id, pushUpdate(source));
    // The budget is held (as live documents would hold it) while the compaction is due.
    const held = ledger().max;
    ledger().force(held);
    try {
      expect(await documents().compactNow(note.id)).toBe(false);
      expect((await storedItems(note.id)).logEntries).toBe(2);
    } finally {
      ledger().give(held);
    }
    // The retry the failure scheduled (backoff from one second) folds both edits.
    await eventually(async () => (await storedItems(note.id)).logEntries === 0, 15_000, 'the retried compaction');
    expect(await storedItems(note.id)).toEqual({ items: 3800, logEntries: 0 });
  }, 60_000);
});

describe('an import and a version are documents too', () => {
  it('an import is refused (nothing written) and a version read or restore answers 503 while the budget is spent', async () => {
    const importer = await registerUser(server.url);
    const api = apiFor(server.url, importer.accessToken);
    const db = server.server.services.db;
    const held = ledger().max;
    ledger().force(held);
    try {
      const refused = await api.post('/import', loadSample());
      expect(refused.status, JSON.stringify(refused.body)).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect((await countUserRows(db, importer.userId)).notes).toBe(0);
    } finally {
      ledger().give(held);
    }
    const imported = await api.post('/import', loadSample());
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    const [noted] = (await api.get('/notes?per_page=1')).body.data as Array<{ id: string }>;
    // An import takes each new note's first version.
    const versions = (await api.get(`/notes/${noted?.id}/history`)).body.data as Array<{ id: string }>;
    expect(versions.length).toBeGreaterThan(0);
    const version = `/notes/${noted?.id}/history/${versions[0]?.id}`;
    ledger().force(held);
    try {
      expect((await api.get(version)).status).toBe(503);
      expect((await api.post(`${version}/restore`, {})).status).toBe(503);
      expect((await api.get(`/notes/${noted?.id}/history`)).body.data).toHaveLength(versions.length);
    } finally {
      ledger().give(held);
    }
    expect((await api.get(version)).status).toBe(200);
    expect(ledger().total).toBe(0);
  }, 60_000);
});

describe('withDecodeCost', () => {
  it('refuses what does not fit, lets one oversized decode in alone, and waits when asked to', async () => {
    const ledger = createLiveCostLedger(100);
    expect(await withDecodeCost(60, () => ledger.total, 'refuse', ledger)).toBe(60);
    expect(ledger.total).toBe(0);
    // Alone, even a decode larger than the budget goes in (it could never fit otherwise).
    expect(await withDecodeCost(500, () => ledger.total, 'refuse', ledger)).toBe(500);
    ledger.force(50);
    await expect(withDecodeCost(60, () => 'decoded', 'refuse', ledger)).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryAfterSeconds: 5,
    });
    expect(ledger.total).toBe(50);
    // `wait`: taken once room is given back, and given back after.
    let done = false;
    const waiting = withDecodeCost(60, () => (done = true), 'wait', ledger);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    ledger.give(50);
    await waiting;
    expect(done).toBe(true);
    expect(ledger.total).toBe(0);
  });
});
