// The integration-cost bound (src/domain/documents/integration-cost.ts) follows Yjs's own condition
// for its conflict scan: an item whose left origin's right neighbour is its right origin (or, with
// no left origin, whose right origin is its list's first item) is placed without a scan. An
// offline device's own edits, sent in one update when it reconnects, are all of that kind: they
// must pass however many there are (items prepended one by one used to count n²/2 steps and be
// refused past ~450), while the count stays at or above what Yjs really walks.
import fc from 'fast-check';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { buildBlockSuiteDocument } from '../../../src/domain/blocksuite/index.ts';
import {
  IntegrationTooCostly,
  integrationSteps,
  MAX_INTEGRATION_STEPS,
} from '../../../src/domain/documents/integration-cost.ts';
import { countUpdateCost } from '../../../src/domain/documents/update-cost.ts';
import { amplifiedUpdate, noOriginUpdate } from '../../collab/amplified-update.ts';
import { yjsScanSteps } from './yjs-scan.ts';

/** What a device that copied `server` and made `edit` offline sends when it reconnects. */
function offlineUpdate(server: Y.Doc, edit: (device: Y.Doc) => void): Uint8Array {
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(server));
  edit(device);
  return Y.encodeStateAsUpdate(device, Y.encodeStateVector(server));
}

const docWith = (fill: (doc: Y.Doc) => void): Y.Doc => {
  const doc = new Y.Doc();
  fill(doc);
  return doc;
};

/** A document holding the list (and text) the edits go into, and an empty one. */
const servers = (): Array<[string, Y.Doc]> => [
  ['empty', new Y.Doc()],
  [
    'holding the list',
    docWith((doc) => {
      doc.getArray('a').insert(0, ['x', 'y']);
      doc.getText('t').insert(0, 'shared start');
    }),
  ],
];

/** A deterministic pseudo-random sequence in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * What the check may leave out of Yjs's walk: in one client's chain of items, each after the one
 * before, Yjs may pass one item for each after the first (the one the first stopped at) when the
 * first did not go between neighbours, which the check does not charge (chainHead); elsewhere nothing.
 */
function chainAllowance(update: Uint8Array): number {
  let items = 0;
  let chain = true;
  let client = -1;
  let end = -1;
  countUpdateCost(update, Number.POSITIVE_INFINITY, {
    placements: (struct) => {
      if (items > 0 && (struct.client !== client || struct.originClient !== client || struct.originClock !== end - 1))
        chain = false;
      items += 1;
      client = struct.client;
      end = struct.clock + struct.length;
    },
  });
  return chain && items > 1 ? items - 1 : 0;
}

/** The check's count is at least Yjs's walk (see chainAllowance). */
function expectAtLeastYjs(doc: Y.Doc, update: Uint8Array): void {
  const steps = integrationSteps(doc, update, Number.POSITIVE_INFINITY);
  expect(steps + chainAllowance(update)).toBeGreaterThanOrEqual(yjsScanSteps(doc, update));
}

describe("integrationSteps: a device's own offline edits", () => {
  it('passes 1 000 items prepended one by one (an array, text typed at the start), walking nothing', () => {
    for (const [, server] of servers()) {
      const prepended = offlineUpdate(server, (device) => {
        for (let index = 0; index < 1000; index += 1) device.getArray('a').insert(0, [index]);
      });
      const typed = offlineUpdate(server, (device) => {
        for (let index = 0; index < 1000; index += 1) device.getText('t').insert(0, String(index % 10));
      });
      for (const update of [prepended, typed]) {
        expect(integrationSteps(server, update)).toBe(0);
        expect(yjsScanSteps(server, update)).toBe(0);
      }
    }
  });

  it('passes 20 000 two-character inserts at random places by one client', () => {
    for (const [, server] of servers()) {
      const next = random(7);
      const update = offlineUpdate(server, (device) => {
        const text = device.getText('t');
        for (let index = 0; index < 20_000; index += 1) text.insert(Math.floor(next() * (text.length + 1)), 'ab');
      });
      expect(integrationSteps(server, update)).toBe(0);
    }
  });

  it('passes a BlockSuite page with 1 000 blocks inserted at the top of the page', () => {
    const insertAtTop = (device: Y.Doc) => {
      const blocks = device.getMap<Y.Map<unknown>>('blocks');
      const note = [...blocks.values()].find((block) => block.get('sys:flavour') === 'affine:note') as Y.Map<unknown>;
      const children = note.get('sys:children') as Y.Array<string>;
      for (let index = 0; index < 1000; index += 1) {
        const id = `top-${index}`;
        const block = new Y.Map<unknown>();
        block.set('sys:id', id);
        block.set('sys:flavour', 'affine:paragraph');
        block.set('sys:version', 1);
        block.set('sys:children', new Y.Array());
        block.set('prop:type', 'text');
        block.set('prop:text', new Y.Text(`paragraph ${index}`));
        device.transact(() => {
          blocks.set(id, block);
          children.insert(0, [id]);
        });
      }
    };
    // Against the page as the server holds it.
    const page = buildBlockSuiteDocument('page', ['one', 'two', 'three']);
    const update = offlineUpdate(page, insertAtTop);
    expect(integrationSteps(page, update)).toBe(0);
    // Against an empty document: the device wrote the page and the blocks offline.
    const device = buildBlockSuiteDocument('page', ['one', 'two', 'three']);
    insertAtTop(device);
    expect(integrationSteps(new Y.Doc(), Y.encodeStateAsUpdate(device))).toBe(0);
  });

  it('still walks what another device inserted concurrently, and still refuses items with no origin', () => {
    const server = docWith((doc) => doc.getArray('a').insert(0, ['x', 'y']));
    // Another device's 300 items at the top reached the server first: this device's 300 prepends
    // each meet them (Yjs scans them for the first of its items).
    const mine = offlineUpdate(server, (device) => {
      for (let index = 0; index < 300; index += 1) device.getArray('a').insert(0, [`mine ${index}`]);
    });
    Y.applyUpdate(
      server,
      offlineUpdate(server, (device) => {
        for (let index = 0; index < 300; index += 1) device.getArray('a').insert(0, [`theirs ${index}`]);
      }),
    );
    const steps = integrationSteps(server, mine, Number.POSITIVE_INFINITY);
    expect(steps).toBeGreaterThan(0);
    expectAtLeastYjs(server, mine);
    // Prepends and, in the same update, items without origins in that list: the latter are walked.
    const long = docWith((doc) => Y.applyUpdate(doc, amplifiedUpdate(60_000, 1000)));
    const prepends = offlineUpdate(long, (device) => {
      for (let index = 0; index < 1000; index += 1) device.getArray('a').insert(0, [index]);
    });
    expect(() => integrationSteps(long, Y.mergeUpdates([prepends, noOriginUpdate(2)]))).toThrow(IntegrationTooCostly);
    expect(MAX_INTEGRATION_STEPS).toBe(100_000);
  });

  it('never counts less than Yjs walks, for random edits of replicas that sync now and then', () => {
    type Edit = [replica: number, kind: number, at: number, text: string];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(2), fc.nat(5), fc.nat(60), fc.string({ minLength: 1, maxLength: 3 })), {
          minLength: 1,
          maxLength: 60,
        }),
        (edits: Edit[]) => {
          const server = docWith((doc) => {
            doc.getArray('a').insert(0, ['x', 'y']);
            doc.getText('t').insert(0, 'shared start');
          });
          const replicas = [0, 1, 2].map(() => docWith((doc) => Y.applyUpdate(doc, Y.encodeStateAsUpdate(server))));
          for (const [index, kind, at, text] of edits) {
            const replica = replicas[index] as Y.Doc;
            const array = replica.getArray<string>('a');
            const shared = replica.getText('t');
            if (kind === 0) array.insert(0, [text]);
            else if (kind === 1) shared.insert(Math.min(at, shared.length), text);
            else if (kind === 2) shared.insert(0, text);
            else if (kind === 3 && shared.length > 0) shared.delete(Math.min(at, shared.length - 1), 1);
            else if (kind === 4) array.insert(Math.min(at, array.length), [text]);
            else replica.getMap('m').set(text, at);
            // Now and then a replica sends what it has and hears from the server.
            if (at % 7 === 0) {
              const update = Y.encodeStateAsUpdate(replica, Y.encodeStateVector(server));
              expectAtLeastYjs(server, update);
              Y.applyUpdate(server, update);
              Y.applyUpdate(replica, Y.encodeStateAsUpdate(server, Y.encodeStateVector(replica)));
            }
          }
          for (const replica of replicas) {
            const update = Y.encodeStateAsUpdate(replica, Y.encodeStateVector(server));
            expectAtLeastYjs(server, update);
            // Against an empty document: the replica's whole state.
            const whole = Y.encodeStateAsUpdate(replica);
            expectAtLeastYjs(new Y.Doc(), whole);
            Y.applyUpdate(server, update);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
