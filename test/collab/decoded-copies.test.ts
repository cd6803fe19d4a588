// HTTP document sync of a large note that is not live reuses a decoded copy of it
// (src/domain/documents/decoded-copies.ts) instead of decoding the stored state per request, stays
// correct when other writers change the note in between, and holds the copy's cost in the ledger,
// the first thing given back under pressure.
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notes, noteUpdates } from '../../src/db/schema/index.ts';
import { createDecodedCopies } from '../../src/domain/documents/decoded-copies.ts';
import { mergeStoredState } from '../../src/domain/documents/document-state.ts';
import { createLiveCostLedger, storedCost } from '../../src/domain/documents/update-cost.ts';
import type { StoredDocumentState } from '../../src/domain/documents/update-log.ts';
import { amplifiedUpdate, heldBackUpdate, longArrayUpdates } from './amplified-update.ts';
import { storedDocumentsServer } from './stored-documents.ts';

const setup = storedDocumentsServer();
const { documents } = setup;
const copies = () => documents().decodedCopies;
const LONG_ARRAY = longArrayUpdates();

/** Syncs `update` and answers the length of `a` in the whole document answered. */
async function sync(noteId: string, update: Uint8Array): Promise<{ status: number; length: number }> {
  const response = await setup.sync(noteId, update);
  if (response.status !== 200) return { status: response.status, length: -1 };
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Buffer.from(response.body.data.update, 'base64'));
  return { status: 200, length: doc.getArray('a').length };
}

/** Items appended one after another at the end of `a`: client 5000 + n, after the previous one. */
const appendAt = (n: number) =>
  amplifiedUpdate(1, 5000 + n, n === 0 ? { client: 1002, clock: 49_999 } : { client: 5000 + n - 1, clock: 0 });

describe('HTTP document sync of a note that is not live', () => {
  it('decodes the stored state once and catches up with writes made in between', async () => {
    const api = setup.api();
    const note = await setup.storedLongArrayNote('Long stored array, synced repeatedly');

    const decodes = copies().decodes;
    expect(await sync(note.id, appendAt(0))).toEqual({ status: 200, length: 150_001 });
    expect(copies().decodes).toBe(decodes + 1);
    const reuses = copies().reuses;
    // Its cost stays held in the ledger while the copy is kept.
    expect(documents().liveCost.total).toBeGreaterThanOrEqual(storedCost(LONG_ARRAY));

    // Another sync's entry is in the log: applied to the copy, nothing decoded again.
    expect(await sync(note.id, appendAt(1))).toEqual({ status: 200, length: 150_002 });
    expect(copies().decodes).toBe(decodes + 1);

    // Another writer logs 20 items held back for client 8 000 000; a REST write changes the row.
    await documents().appendUpdate(note.id, heldBackUpdate(20, 8_000_000));
    expect((await api.patch(`/notes/${note.id}`, { title: 'Renamed meanwhile' })).status).toBe(200);
    // The update releasing them walks 20 × 150 000 items: refused, which only a copy holding the
    // other writer's entry can tell. Still no decode (same stored bytes after the rename).
    const release = amplifiedUpdate(1, 8_000_000, { client: 5001, clock: 0 });
    expect((await sync(note.id, release)).status).toBe(413);
    expect(copies().decodes).toBe(decodes + 1);

    // A compaction (every such sync requests one) folds the copy instead of decoding the note,
    // and keeps what it wrote: still no decode.
    expect(await documents().compactNow(note.id)).toBe(true);
    // Two syncs reused it, and at least one compaction (this one, or the one a sync requested).
    expect(copies().reuses).toBeGreaterThanOrEqual(reuses + 3);
    expect(await documents().loadState(note.id)).toMatchObject({ log: [] });
    expect(await sync(note.id, appendAt(2))).toEqual({ status: 200, length: 150_003 });
    expect(copies().decodes).toBe(decodes + 1);

    // The stored state replaced by a writer the copy knows nothing of (another instance's
    // compaction, a version restored): decoded afresh, and the answer holds what it wrote.
    const state = await documents().loadState(note.id);
    const replaced = new Y.Doc();
    if (state) Y.applyUpdate(replaced, mergeStoredState(state));
    replaced.getArray('a').push([1]);
    const db = setup.server().server.services.db;
    await db.transaction(async (tx) => {
      await tx
        .update(notes)
        .set({ blocksuite_doc: Y.encodeStateAsUpdate(replaced) })
        .where(eq(notes.id, note.id));
      await tx.delete(noteUpdates).where(eq(noteUpdates.note_id, note.id));
    });
    expect(await sync(note.id, appendAt(3))).toEqual({ status: 200, length: 150_005 });
    expect(copies().decodes).toBe(decodes + 2);
    expect(await sync(note.id, appendAt(4))).toEqual({ status: 200, length: 150_006 });
    expect(copies().decodes).toBe(decodes + 2);
  }, 120_000);
});

describe('decoded copies and the ledger', () => {
  const doc = (items: number, client: number): StoredDocumentState => ({
    stored: amplifiedUpdate(items, client),
    log: [],
    version: String(client),
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds each copy’s cost, gives it back under pressure, past the copy count and when idle', () => {
    vi.useFakeTimers();
    const ledger = createLiveCostLedger(10_000);
    const kept = createDecodedCopies(ledger, { maxCopies: 2, idleMs: 1000 });
    const [a, b, c] = [doc(1000, 1), doc(1000, 2), doc(1000, 3)];
    const cost = storedCost([a.stored as Uint8Array]);

    kept.use('a', a, () => undefined);
    kept.use('b', b, () => undefined);
    expect(kept.size).toBe(2);
    expect(ledger.total).toBe(2 * cost);
    // A third copy drops the least recently used.
    kept.use('c', c, () => undefined);
    expect(kept.size).toBe(2);
    expect(ledger.total).toBe(2 * cost);
    expect(kept.decodes).toBe(3);

    // Something else that does not fit beside the copies: they are dropped first, and it fits.
    expect(ledger.take(10_000 - cost)).toBe(true);
    expect(kept.size).toBe(0);
    expect(ledger.total).toBe(10_000 - cost);
    ledger.give(10_000 - cost);

    // An unused copy is dropped after its idle lifetime, its cost given back.
    kept.use('a', a, () => undefined);
    expect(ledger.total).toBe(cost);
    vi.advanceTimersByTime(1001);
    expect(kept.size).toBe(0);
    expect(ledger.total).toBe(0);

    kept.use('a', a, () => undefined);
    kept.close();
    expect(ledger.total).toBe(0);
    // Closed: no longer reclaimed from (nothing held to reclaim).
    expect(ledger.take(10_000)).toBe(true);
  });
});
