// The integration bound (src/domain/documents/integration-cost.ts) on HTTP document sync
// (POST /api/v1/notes/:id/doc): an update whose items name no origin in a long array is refused
// with 413 before it is logged — walked against the live document when the note is open, against
// its decoded stored state when it is not (logged, it would cost seconds at every compaction and
// load). An ordinary update to the same documents still goes through.
import { and, eq, gt, max } from 'drizzle-orm';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { noteUpdates } from '../../src/db/schema/index.ts';
import { mergeStoredState } from '../../src/domain/documents/document-state.ts';
import { MAX_INTEGRATION_STEPS } from '../../src/domain/documents/integration-cost.ts';
import { rawCollabClient } from '../helpers/collab.ts';
import {
  amplifiedUpdate,
  longArrayUpdates,
  heldBackUpdate,
  noOriginUpdate,
  rightOriginInUpdate,
  sendAwaitingAck,
} from './amplified-update.ts';
import { noteOf } from './fixtures.ts';
import { storedDocumentsServer } from './stored-documents.ts';

const setup = storedDocumentsServer();
const { documents, sync } = setup;
const db = () => setup.server().server.services.db;
const LONG_ARRAY = longArrayUpdates();
/** One item appended after the last of `a`: what a real client sends, nothing to walk. */
const append = () => amplifiedUpdate(1, 5000, { client: 1002, clock: 49_999 });

const logEntries = async (noteId: string) =>
  (await db().select().from(noteUpdates).where(eq(noteUpdates.note_id, noteId))).length;

/** The newest log row id of any note: rows appended later have larger ids (a compaction only deletes). */
async function newestLogId(): Promise<number> {
  const [row] = await db()
    .select({ id: max(noteUpdates.id) })
    .from(noteUpdates);
  return row?.id ?? 0;
}

const appendedSince = async (noteId: string, id: number) =>
  (
    await db()
      .select()
      .from(noteUpdates)
      .where(and(eq(noteUpdates.note_id, noteId), gt(noteUpdates.id, id)))
  ).length;

/** The length of `a` in what the database holds for the note (stored state and log). */
async function durableLength(noteId: string): Promise<number> {
  const state = await documents().loadState(noteId);
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, mergeStoredState(state));
  return doc.getArray('a').length;
}

/** Sends the crafted update (20 items, 107 bytes) and expects 413 quickly, with nothing logged. */
async function expectRefused(noteId: string, crafted = noOriginUpdate(20)): Promise<void> {
  // Not a count of the note's rows: a live document's store may fold them meanwhile.
  const mark = await newestLogId();
  const started = performance.now();
  const response = await sync(noteId, crafted);
  // Yjs would walk 20 × 150 000 items (seconds); the refusal walks the bound once.
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(response.status, JSON.stringify(response.body.error)).toBe(413);
  expect(response.body.error).toMatchObject({
    code: 'PAYLOAD_TOO_LARGE',
    details: { limit: 'MAX_INTEGRATION_STEPS', max: MAX_INTEGRATION_STEPS },
  });
  expect(response.body.error.message).toContain('MAX_INTEGRATION_STEPS');
  expect(await appendedSince(noteId, mark)).toBe(0);
}

describe('integration cost on HTTP document sync', () => {
  it('refuses the crafted update against a stored document that is not live, and logs nothing', async () => {
    // Folded into the stored state: the document is in the database only.
    const note = await setup.storedLongArrayNote('Long stored array');
    expect(await logEntries(note.id)).toBe(0);

    await expectRefused(note.id);
    expect(await logEntries(note.id)).toBe(0);

    const ordinary = await sync(note.id, append());
    expect(ordinary.status, JSON.stringify(ordinary.body.error)).toBe(200);
    // Logged (the compaction it requests may fold it into the stored state at any time after).
    expect(await durableLength(note.id)).toBe(150_001);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Buffer.from(ordinary.body.data.update, 'base64'));
    expect(doc.getArray('a').length).toBe(150_001);
  }, 120_000);

  it('refuses the update that would release held-back items, and one naming its own right origin', async () => {
    const note = await setup.storedLongArrayNote('Long stored array, held back');
    // 20 items waiting for client 8 000 000's first item: logged, nothing to place.
    const held = await sync(note.id, heldBackUpdate(20, 8_000_000));
    expect(held.status, JSON.stringify(held.body.error)).toBe(200);
    expect(await documents().live.find(note.blocksuite_doc_id)).toBeUndefined();
    // The missing item appended after the last: it releases the 20, each scanning 150 000 items.
    await expectRefused(note.id, amplifiedUpdate(1, 8_000_000, { client: 1002, clock: 49_999 }));
    await expectRefused(note.id, rightOriginInUpdate(20, { client: 1002, clock: 49_999 }));
    const ordinary = await sync(note.id, append());
    expect(ordinary.status, JSON.stringify(ordinary.body.error)).toBe(200);
    expect(await durableLength(note.id)).toBe(150_001);
  }, 120_000);

  it('refuses it against the live document, which carries on unchanged and takes an ordinary sync', async () => {
    const name = 'http-integration-cost-live';
    const holder = await rawCollabClient(setup.server().collabUrl);
    try {
      expect(await holder.authenticate(name, setup.user().accessToken)).toBe('authenticated');
      for (const update of LONG_ARRAY) expect(await sendAwaitingAck(holder, name, update)).toBe(true);
      const note = await noteOf(setup.server(), name);
      const live = await documents().live.find(name);
      expect(live?.getArray('a').length).toBe(150_000);

      await expectRefused(note!.id);
      expect(live?.getArray('a').length).toBe(150_000);
      expect(await durableLength(note!.id)).toBe(150_000);

      const ordinary = await sync(note!.id, append());
      expect(ordinary.status, JSON.stringify(ordinary.body.error)).toBe(200);
      expect(live?.getArray('a').length).toBe(150_001);
      // Durable: in the log, or already folded into the stored state by the live document's store.
      expect(await durableLength(note!.id)).toBe(150_001);
    } finally {
      holder.ws.close();
    }
  }, 120_000);
});
