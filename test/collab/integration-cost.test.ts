// The bound on what Yjs walks to place an update's items (src/domain/documents/integration-cost.ts):
// an update whose items name no origin in a long array (each scans the whole array in Yjs: seconds
// for a few hundred bytes) is refused before it is logged or applied; real edits walk a handful.
import fc from 'fast-check';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IntegrationTooCostly,
  integrationSteps,
  MAX_INTEGRATION_STEPS,
  MAX_PENDING_STRUCTS,
  mayExceedIntegrationBound,
} from '../../src/domain/documents/integration-cost.ts';
import { applyStoredState, LogEntryTooCostly } from '../../src/domain/documents/document-state.ts';
import { countUpdateCost } from '../../src/domain/documents/update-cost.ts';
import type { RegisteredUser } from '../helpers/auth.ts';
import {
  connectProvider,
  eventually,
  rawCollabClient,
  textOf,
  waitAcknowledged,
  waitSynced,
} from '../helpers/collab.ts';
import type { TestServer } from '../helpers/server.ts';
import { startServerWithUsers } from '../helpers/server-with-users.ts';
import {
  amplifiedUpdate,
  heldBackUpdate,
  noOriginUpdate,
  rightOriginInUpdate,
  selfFilledUpdate,
  sendAwaitingAck,
  sendLongArray,
} from './amplified-update.ts';
import { noteOf } from './fixtures.ts';

/** A document whose root array `a` holds `items` empty maps, chained as a client appends them. */
function longArray(items: number): Y.Doc {
  const doc = new Y.Doc();
  for (let done = 0, client = 1000; done < items; done += 50_000, client += 1)
    Y.applyUpdate(doc, amplifiedUpdate(Math.min(50_000, items - done), client));
  return doc;
}

describe('integrationSteps', () => {
  it('refuses items without origins in a long array before Yjs walks it once per item', () => {
    const doc = longArray(150_000);
    const started = performance.now();
    expect(() => integrationSteps(doc, noOriginUpdate(20))).toThrow(IntegrationTooCostly);
    // The check walks at most the bound once (Yjs would walk 20 × 150 000 items with two Sets).
    expect(performance.now() - started).toBeLessThan(500);
    // Unbounded, it walks the whole array once per item: within mayExceedIntegrationBound's
    // ceiling (2 × update cost × document cost), which therefore says it may pass the bound.
    const crafted = countUpdateCost(noOriginUpdate(20));
    const documentCost = countUpdateCost(Y.encodeStateAsUpdate(doc));
    const walked = integrationSteps(doc, noOriginUpdate(20), Number.POSITIVE_INFINITY);
    expect(walked).toBe(20 * 150_000);
    expect(walked).toBeLessThanOrEqual(2 * crafted * documentCost);
    expect(mayExceedIntegrationBound(crafted, documentCost)).toBe(true);
    // A document this update cannot walk past the bound in need not be decoded to check it.
    expect(mayExceedIntegrationBound(crafted, Math.floor(MAX_INTEGRATION_STEPS / (2 * crafted)))).toBe(false);
    // Appending after the last item, inserting before the first: nothing to walk.
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    const edits: Uint8Array[] = [];
    peer.on('update', (update: Uint8Array) => edits.push(update));
    peer.getArray('a').push([new Y.Map()]);
    peer.getArray('a').insert(0, [new Y.Map()]);
    peer.getArray('a').insert(75_000, [new Y.Map()]);
    for (const edit of edits) expect(integrationSteps(doc, edit)).toBeLessThanOrEqual(2);
  });

  it('walks nothing for a character typed inside a word the document holds as one item', () => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    text.insert(0, 'abcdef');
    // 150 000 single-character items after the word: more than the bound if the walk ran to the end.
    for (let client = 2000; client < 2150; client += 1) {
      const typist = new Y.Doc();
      typist.clientID = client;
      Y.applyUpdate(typist, Y.encodeStateAsUpdate(doc));
      const tail = typist.getText('t');
      for (let index = 0; index < 1000; index += 1) tail.insert(tail.length - (index % 2), String(index % 10));
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(typist));
    }
    const editor = new Y.Doc();
    Y.applyUpdate(editor, Y.encodeStateAsUpdate(doc));
    const before = Y.encodeStateVector(editor);
    editor.getText('t').insert(3, 'Z');
    expect(integrationSteps(doc, Y.encodeStateAsUpdate(editor, before))).toBeLessThanOrEqual(1);
    // Building the 150 000 items re-encodes the growing document once per typist: ~20 s alone,
    // over a minute on a loaded CI machine.
  }, 180_000);

  it('walks only the concurrent items for edits of two offline replicas (text, arrays, maps)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat(40), fc.string({ minLength: 1, maxLength: 5 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (edits) => {
          const server = new Y.Doc();
          server.getText('t').insert(0, 'shared start');
          const replicas = [new Y.Doc(), new Y.Doc()];
          for (const replica of replicas) Y.applyUpdate(replica, Y.encodeStateAsUpdate(server));
          for (const [first, at, text] of edits) {
            const replica = replicas[first ? 0 : 1] as Y.Doc;
            const shared = replica.getText('t');
            shared.insert(Math.min(at, shared.length), text);
            replica.getArray('list').push([text]);
            replica.getMap('m').set(text, at);
          }
          for (const replica of replicas) {
            const update = Y.encodeStateAsUpdate(replica, Y.encodeStateVector(server));
            // Bounded by the items the other replica added concurrently, not by the bound.
            const steps = integrationSteps(server, update);
            expect(steps).toBeLessThanOrEqual(4 * edits.length + 4);
            // mayExceedIntegrationBound's premise: never more than 2 × update cost × document cost.
            const ceiling = 2 * countUpdateCost(update) * countUpdateCost(Y.encodeStateAsUpdate(server));
            expect(steps).toBeLessThanOrEqual(ceiling);
            Y.applyUpdate(server, update);
          }
        },
      ),
      { numRuns: 100 },
    );
    expect(MAX_INTEGRATION_STEPS).toBeGreaterThan(10_000);
  });
});

/** The last item of `longArray`'s `a` (client 1002's last): what a client appending names. */
const LAST = { client: 1002, clock: 49_999 };

/** IntegrationTooCostly's limit when `run` throws one (null when it does not throw). */
function refusedBy(run: () => unknown): string | null {
  try {
    run();
  } catch (error) {
    if (error instanceof IntegrationTooCostly) return error.limit;
    throw error;
  }
  return null;
}

describe('integrationSteps: origins Yjs finds only while it applies', () => {
  it('walks for items whose right origin the same update appends', () => {
    const doc = longArray(150_000);
    const crafted = rightOriginInUpdate(20, LAST);
    expect(refusedBy(() => integrationSteps(doc, crafted))).toBe('MAX_INTEGRATION_STEPS');
    // Each of the 20 passes all of `a` before it meets the appended item at the end.
    expect(integrationSteps(doc, crafted, Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(20 * 150_000);
  });

  it('charges items Yjs held back to the update that releases them', () => {
    const doc = longArray(150_000);
    const held = heldBackUpdate(20, 8_000_000);
    // Nothing to place yet: Yjs holds the 20 back until client 8 000 000's first item arrives.
    expect(integrationSteps(doc, held)).toBe(0);
    Y.applyUpdate(doc, held);
    expect(doc.store.pendingStructs).not.toBeNull();
    // That item, appended after the last: nothing of its own to walk, but it releases the 20.
    const release = amplifiedUpdate(1, 8_000_000, LAST);
    expect(refusedBy(() => integrationSteps(doc, release))).toBe('MAX_INTEGRATION_STEPS');
    expect(integrationSteps(doc, release, Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(20 * 150_000);
    // Another append that releases nothing is walked for itself only.
    expect(integrationSteps(doc, amplifiedUpdate(1, 5000, LAST))).toBe(0);
  });

  it("walks what an update's own items pass, in a list it fills itself", () => {
    // 1 000 + 1 000 items into an empty document: a million steps in Yjs, nothing in the document.
    const crafted = selfFilledUpdate(1000);
    expect(refusedBy(() => integrationSteps(new Y.Doc(), crafted))).toBe('MAX_INTEGRATION_STEPS');
    expect(integrationSteps(new Y.Doc(), crafted, Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(1000 * 1000);
    // The same number of items appended one after another: nothing passed.
    expect(integrationSteps(new Y.Doc(), amplifiedUpdate(2000))).toBe(0);
  });

  it('bounds what Yjs would hold back (MAX_PENDING_STRUCTS)', () => {
    const doc = new Y.Doc();
    expect(integrationSteps(doc, heldBackUpdate(MAX_PENDING_STRUCTS, 8_000_000))).toBe(0);
    expect(refusedBy(() => integrationSteps(doc, heldBackUpdate(MAX_PENDING_STRUCTS + 1, 8_000_000)))).toBe(
      'MAX_PENDING_STRUCTS',
    );
    // Held back already: a further update that would add to it is refused, one adding nothing is not.
    Y.applyUpdate(doc, heldBackUpdate(MAX_PENDING_STRUCTS, 8_000_000));
    expect(refusedBy(() => integrationSteps(doc, heldBackUpdate(1, 8_000_001, 9_000_001)))).toBe('MAX_PENDING_STRUCTS');
    expect(integrationSteps(doc, amplifiedUpdate(10))).toBe(0);
  });
});

describe('applyStoredState: the log replayed within the bound', () => {
  const log = (...updates: Uint8Array[]) => updates.map((update, index) => ({ id: index + 1, update }));

  it('refuses, naming the entry, a logged release of held-back items that no check saw together', () => {
    const stored = Y.encodeStateAsUpdate(longArray(150_000));
    const state = { stored, log: log(heldBackUpdate(20, 8_000_000), amplifiedUpdate(1, 8_000_000, LAST)) };
    const started = performance.now();
    let refused: unknown;
    try {
      applyStoredState(new Y.Doc(), state);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(LogEntryTooCostly);
    expect(refused).toMatchObject({ entryId: 2, limit: 'MAX_INTEGRATION_STEPS' });
    // Bounded: the check stops at the bound (Yjs would walk 20 × 150 000 items).
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('applies a log whose entries pass one by one though all of them together walk past the bound', () => {
    // Each entry: one item with no origin in a 60 000-item array (60 000 steps); two: 120 000.
    const stored = Y.encodeStateAsUpdate(longArray(60_000));
    const entries = log(noOriginUpdate(1, 5_000_001), noOriginUpdate(1, 5_000_002), amplifiedUpdate(1, 5_000_003));
    const base = new Y.Doc();
    Y.applyUpdate(base, stored);
    expect(refusedBy(() => integrationSteps(base, Y.mergeUpdates(entries.map((entry) => entry.update))))).toBe(
      'MAX_INTEGRATION_STEPS',
    );
    const doc = new Y.Doc();
    expect(applyStoredState(doc, { stored, log: entries })).toEqual({ skipped: 0 });
    expect(doc.getArray('a').length).toBe(60_003);
  });
});

describe('integration cost on a real socket', () => {
  let server: TestServer;
  let user: RegisteredUser;

  beforeAll(async () => {
    [server, user] = await startServerWithUsers(1);
  });
  afterAll(() => server?.destroy());

  it('closes the socket with 4413 and logs nothing; the document and its editors carry on', async () => {
    const name = 'integration-cost-doc';
    const attacker = await rawCollabClient(server.collabUrl);
    expect(await attacker.authenticate(name, user.accessToken)).toBe('authenticated');
    expect(await sendLongArray(attacker, name)).toBe(true);
    const started = performance.now();
    // 20 items, 107 bytes: Yjs would walk the 150 000 items of `a` once per item.
    expect(await sendAwaitingAck(attacker, name, noOriginUpdate(20))).toBe(false);
    expect(await attacker.closed).toEqual({ code: 4413, reason: 'Update too complex' });
    expect(performance.now() - started).toBeLessThan(5000);

    const editor = connectProvider(server.collabUrl, name, user.accessToken, { awareness: false });
    await waitSynced(editor, 30_000);
    expect(editor.doc.getArray('a').length).toBe(150_000);
    editor.doc.getText('text').insert(0, 'still editable');
    await waitAcknowledged(editor);
    expect(textOf(editor.doc)).toBe('still editable');
    editor.destroy();
  });

  it('refuses to load (4413) and to compact a note whose log holds a pair too costly to integrate; the log keeps it', async () => {
    const name = 'integration-cost-logged-pair';
    const opener = await rawCollabClient(server.collabUrl);
    expect(await opener.authenticate(name, user.accessToken)).toBe('authenticated');
    opener.ws.close();
    await opener.closed;
    const documents = server.server.services.documents;
    await eventually(
      async () => (await documents.live.find(name)) === undefined,
      10_000,
      'the empty document to unload',
    );
    const noteId = (await noteOf(server, name))!.id;
    // Logged without a check together: a held-back half and its release, each checked by an
    // instance whose copy lacked the other (or logged before the check existed).
    const entries = [
      ...[1000, 1001, 1002].map((client) => amplifiedUpdate(50_000, client)),
      heldBackUpdate(20, 8_000_000),
      amplifiedUpdate(1, 8_000_000, LAST),
    ];
    for (const update of entries) await documents.appendUpdate(noteId, update, null);

    const reader = await rawCollabClient(server.collabUrl);
    reader.sendAuth(name, user.accessToken);
    const closed = await Promise.race([
      reader.closed,
      new Promise((resolve) => setTimeout(() => resolve('still open: the log was integrated'), 20_000)),
    ]);
    expect(closed).toEqual({ code: 4413, reason: 'Document too costly to integrate' });
    const refusal = server.logs.lines.find((line) => line.includes('document load refused'));
    expect(refusal).toContain(noteId);

    expect(await documents.compactNow(noteId)).toBe(false);
    expect(server.logs.text()).toContain('document compaction refused: a log entry is too costly to integrate');
    expect((await documents.loadState(noteId))?.log).toHaveLength(entries.length);
  });

  it('closes with 4413 the update that would release held-back items, and one naming its own right origin', async () => {
    const name = 'integration-cost-held-back';
    const attacker = await rawCollabClient(server.collabUrl);
    expect(await attacker.authenticate(name, user.accessToken)).toBe('authenticated');
    expect(await sendLongArray(attacker, name)).toBe(true);
    // Held back by Yjs: acknowledged (logged), nothing placed yet.
    expect(await sendAwaitingAck(attacker, name, heldBackUpdate(20, 8_000_000))).toBe(true);
    // The missing item: Yjs would place the 20 held-back items, each scanning all 150 000.
    expect(await sendAwaitingAck(attacker, name, amplifiedUpdate(1, 8_000_000, LAST))).toBe(false);
    expect(await attacker.closed).toEqual({ code: 4413, reason: 'Update too complex' });

    const second = await rawCollabClient(server.collabUrl);
    expect(await second.authenticate(name, user.accessToken)).toBe('authenticated');
    expect(await sendAwaitingAck(second, name, rightOriginInUpdate(20, LAST))).toBe(false);
    expect(await second.closed).toEqual({ code: 4413, reason: 'Update too complex' });

    const editor = connectProvider(server.collabUrl, name, user.accessToken, { awareness: false });
    await waitSynced(editor, 30_000);
    expect(editor.doc.getArray('a').length).toBe(150_000);
    editor.doc.getText('text').insert(0, 'still editable');
    await waitAcknowledged(editor);
    expect(textOf(editor.doc)).toBe('still editable');
    editor.destroy();
  });
});
