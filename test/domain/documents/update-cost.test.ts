// The struct counter (src/domain/documents/update-cost.ts) against real Yjs: it reads every update
// Yjs writes, its count bounds the structs Yjs builds from it, and it refuses amplified or deeply
// nested updates without building anything.
import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
  admitUpdateCost,
  countUpdateCost,
  createDocumentCostBudget,
  UndecodableUpdate,
  UpdateCostExceeded,
} from '../../../src/domain/documents/update-cost.ts';
import { amplifiedUpdate } from '../../collab/amplified-update.ts';

/** The structs Yjs holds for a document (items and GC ranges of every client). */
function documentStructCount(doc: Y.Doc): number {
  let count = 0;
  for (const structs of doc.store.clients.values()) count += structs.length;
  return count;
}

type Op =
  | { kind: 'text'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'map'; key: string; value: unknown }
  | { kind: 'array'; values: unknown[] }
  | { kind: 'nested' }
  | { kind: 'format'; at: number; length: number };

const json = fc.jsonValue({ maxDepth: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), at: fc.nat(50), text: fc.string({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(50), length: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('map' as const), key: fc.string({ maxLength: 4 }), value: json }),
  fc.record({ kind: fc.constant('array' as const), values: fc.array(json, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('nested' as const) }),
  fc.record({ kind: fc.constant('format' as const), at: fc.nat(50), length: fc.integer({ min: 1, max: 5 }) }),
);

function apply(doc: Y.Doc, change: Op): void {
  const text = doc.getText('t');
  switch (change.kind) {
    case 'text':
      text.insert(Math.min(change.at, text.length), change.text);
      return;
    case 'delete': {
      const at = Math.min(change.at, text.length);
      text.delete(at, Math.min(change.length, text.length - at));
      return;
    }
    case 'map':
      doc.getMap('m').set(change.key, change.value);
      return;
    case 'array':
      doc.getArray('a').push(change.values);
      return;
    case 'nested': {
      const inner = new Y.Map<unknown>();
      doc.getArray('a').push([inner]);
      inner.set('x', new Y.Text('inner'));
      return;
    }
    case 'format': {
      const at = Math.min(change.at, text.length);
      text.format(at, Math.min(change.length, text.length - at), { bold: true });
      return;
    }
  }
}

describe('countUpdateCost', () => {
  it('reads every update Yjs writes; Yjs builds at most three structs per counted unit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        (sessions) => {
          const doc = new Y.Doc();
          const updates: Uint8Array[] = [];
          doc.on('update', (update: Uint8Array) => updates.push(update));
          for (const session of sessions)
            doc.transact(() => {
              for (const change of session) apply(doc, change);
            });
          for (const update of [...updates, Y.encodeStateAsUpdate(doc), Y.mergeUpdates(updates)]) {
            const replica = new Y.Doc();
            Y.applyUpdate(replica, update);
            // An item or a deletion may split the items at its two ends: at most three structs each.
            expect(documentStructCount(replica)).toBeLessThanOrEqual(3 * countUpdateCost(update));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('counts an empty update as nothing', () => {
    expect(countUpdateCost(new Uint8Array([0, 0]))).toBe(0);
  });

  it('counts the amplified update (empty Y.Maps, ~6 bytes each) one per item, as Yjs builds it', () => {
    const update = amplifiedUpdate(1000);
    expect(update.length).toBeLessThan(8 * 1000);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, update);
    expect(doc.getArray('a').length).toBe(1000);
    expect(countUpdateCost(update)).toBe(1000);
    expect(documentStructCount(doc)).toBe(1000);
  });

  it('stops at the bound before reading the rest (2.4 M items refused in well under a second)', () => {
    const update = amplifiedUpdate(2_400_000);
    const started = performance.now();
    expect(() => countUpdateCost(update, 50_000)).toThrow(UpdateCostExceeded);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a declared struct count past the bound without reading a struct', () => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, 2 ** 31); // structs declared, none present
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, 0);
    expect(() => countUpdateCost(encoding.toUint8Array(encoder), 50_000)).toThrow(UpdateCostExceeded);
  });

  it('counts values inside an Any content and refuses nesting deeper than 64', () => {
    const shallow = new Y.Doc();
    shallow.getArray('a').push([[1, 2, 3], { a: 1, b: [true] }]);
    const update = Y.encodeStateAsUpdate(shallow);
    // 1 struct + 2 values + 3 + 2 + 1 inside them
    expect(countUpdateCost(update)).toBe(9);
    expect(() => countUpdateCost(update, 5)).toThrow(UpdateCostExceeded);

    let deep: unknown = 0;
    for (let i = 0; i < 100; i += 1) deep = [deep];
    const nested = new Y.Doc();
    nested.getArray('a').push([deep]);
    expect(() => countUpdateCost(Y.encodeStateAsUpdate(nested))).toThrow(UpdateCostExceeded);
  });

  it('refuses truncated bytes and unknown contents as undecodable', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hello world');
    const update = Y.encodeStateAsUpdate(doc);
    expect(() => countUpdateCost(update.slice(0, update.length - 4))).toThrow(UndecodableUpdate);
    expect(() => countUpdateCost(new Uint8Array([1, 1, 1, 0, 0x1f]))).toThrow(UndecodableUpdate);
    expect(() => countUpdateCost(new Uint8Array(12).fill(0xff))).toThrow(UndecodableUpdate);
  });
});

describe('admitUpdateCost', () => {
  const limits = { maxUpdateStructs: 100, maxDocumentStructs: 250 };

  it('answers PAYLOAD_TOO_LARGE past the update bound or the document bound, VALIDATION_ERROR for garbage', () => {
    expect(admitUpdateCost(amplifiedUpdate(100), 150, limits)).toBe(100);
    expect(() => admitUpdateCost(amplifiedUpdate(101), 0, limits)).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    );
    expect(() => admitUpdateCost(amplifiedUpdate(100), 151, limits)).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    );
    expect(() => admitUpdateCost(new Uint8Array([5]), 0, limits)).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_ERROR',
        details: [{ field: 'update', message: 'is not a Yjs update' }],
      }),
    );
  });
});

describe('createDocumentCostBudget', () => {
  it('admits on its bound, recounts the state only near the limit, and refuses past it', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, amplifiedUpdate(100));
    let encodes = 0;
    const encode = (d: Y.Doc) => {
      encodes += 1;
      return Y.encodeStateAsUpdate(d);
    };
    // The bound starts high (log entries overlapping the stored state are counted twice).
    const budget = createDocumentCostBudget(250, 200, encode);
    budget.admit(doc, 40);
    expect(encodes).toBe(0);
    budget.admit(doc, 100); // 240 + 100 > 250: the exact count (100) makes room
    expect(encodes).toBe(1);
    expect(budget.bound).toBe(200);
    expect(() => budget.admit(doc, 151)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });
});
