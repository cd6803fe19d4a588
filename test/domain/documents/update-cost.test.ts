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

/** One item under the root type `t`, with `info` and its content written by `content` (the v1 format). */
function oneItem(info: number, content: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1); // one client
  encoding.writeVarUint(encoder, 1); // one struct
  encoding.writeVarUint(encoder, 7); // client
  encoding.writeVarUint(encoder, 0); // clock
  encoding.writeUint8(encoder, info);
  if (info !== 10) {
    encoding.writeVarUint(encoder, 1); // parent: a root type, by name
    encoding.writeVarString(encoder, 't');
  }
  content(encoder);
  encoding.writeVarUint(encoder, 0); // no deletions
  return encoding.toUint8Array(encoder);
}

const decodes = (update: Uint8Array): boolean => {
  try {
    Y.decodeUpdate(update);
    return true;
  } catch {
    return false;
  }
};
const wellFormed = (update: Uint8Array): boolean => {
  try {
    countUpdateCost(update, Number.POSITIVE_INFINITY, { wellFormed: true });
    return true;
  } catch {
    return false;
  }
};

/** Every kind of content: text with formats and embeds, maps, arrays, XML, a subdocument, JSON. */
function everyContent(doc: Y.Doc, changes: readonly Op[]): void {
  for (const change of changes) apply(doc, change);
  doc.getText('t').insertEmbed(0, { image: 'x.png' });
  const fragment = doc.getXmlFragment('x');
  const element = new Y.XmlElement('p');
  fragment.push([element, new Y.XmlText('text')]);
  // A hook is a child like any other; Yjs's types leave it out of XmlFragment's.
  fragment.push([new Y.XmlHook('hook') as unknown as Y.XmlText]);
  element.setAttribute('class', 'k');
  doc.getMap('docs').set('sub', new Y.Doc({ guid: 'sub', meta: { a: 1 } }));
}

describe('countUpdateCost with wellFormed (one pass instead of Y.decodeUpdate)', () => {
  it('accepts every update Yjs writes', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), (changes) => {
        const doc = new Y.Doc();
        const updates: Uint8Array[] = [];
        doc.on('update', (update: Uint8Array) => updates.push(update));
        doc.transact(() => everyContent(doc, changes));
        for (const update of [...updates, Y.encodeStateAsUpdate(doc)]) expect(wellFormed(update)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses every damaged update Yjs refuses (never lets through what Y.decodeUpdate would throw on)', () => {
    let refusedByBoth = 0;
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (changes, damage, cut) => {
          const doc = new Y.Doc();
          everyContent(doc, changes);
          const update = Y.encodeStateAsUpdate(doc);
          const damaged = update.slice();
          for (const [at, byte] of damage) damaged[at % damaged.length] = byte;
          for (const candidate of [damaged, damaged.subarray(0, cut % damaged.length)]) {
            if (!wellFormed(candidate)) {
              if (!decodes(candidate)) refusedByBoth += 1;
              continue;
            }
            expect(decodes(candidate)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
    // The damage did reach the decoder: many candidates were refused by both.
    expect(refusedByBoth).toBeGreaterThan(100);
  });

  it('refuses what only a full decode used to catch: bad UTF-8, JSON that does not parse, a flagged skip, a subdocument without options', () => {
    const cases = {
      // ContentString (4) of the bytes ff fe: not UTF-8
      badUtf8: oneItem(4, (e) => encoding.writeVarUint8Array(e, new Uint8Array([0xff, 0xfe]))),
      // ContentFormat (6): key "b", value "{" (not JSON)
      badFormat: oneItem(6, (e) => {
        encoding.writeVarString(e, 'b');
        encoding.writeVarString(e, '{');
      }),
      // ContentEmbed (5) of "undefined": only ContentJSON takes that text
      undefinedEmbed: oneItem(5, (e) => encoding.writeVarString(e, 'undefined')),
      // A skip (10) with the parent-sub flag: Yjs reads it as an unknown content
      flaggedSkip: oneItem(10 | 32, (e) => {
        encoding.writeVarString(e, 'k');
        encoding.writeVarUint(e, 3);
      }),
      // ContentDoc (9) whose options are null
      nullDocOptions: oneItem(9, (e) => {
        encoding.writeVarString(e, 'guid');
        encoding.writeAny(e, null);
      }),
    };
    for (const [name, update] of Object.entries(cases)) {
      expect({ name, decodes: decodes(update) }).toEqual({ name, decodes: false });
      expect({ name, wellFormed: wellFormed(update) }).toEqual({ name, wellFormed: false });
      // The count alone never read these: what refuses them is the well-formedness check.
      expect(() => countUpdateCost(update)).not.toThrow();
    }
    // ContentJSON (2) may hold the text "undefined"; a bare skip is a skip.
    const fine = [
      oneItem(2, (e) => {
        encoding.writeVarUint(e, 2);
        encoding.writeVarString(e, 'undefined');
        encoding.writeVarString(e, '{"a":[1]}');
      }),
      oneItem(10, (e) => encoding.writeVarUint(e, 3)),
    ];
    for (const update of fine) expect([decodes(update), wellFormed(update)]).toEqual([true, true]);
  });

  it('reads the amplified update several times faster than Y.decodeUpdate', () => {
    const update = amplifiedUpdate(50_000);
    const time = (run: () => void) => {
      const started = performance.now();
      for (let i = 0; i < 5; i += 1) run();
      return performance.now() - started;
    };
    time(() => Y.decodeUpdate(update));
    time(() => countUpdateCost(update, 50_000, { wellFormed: true }));
    expect(time(() => countUpdateCost(update, 50_000, { wellFormed: true }))).toBeLessThan(
      time(() => Y.decodeUpdate(update)) / 3,
    );
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

/** Yjs's encoder, counting the whole-document recounts a budget makes. */
function countingEncoder() {
  const counter = {
    calls: 0,
    encode: (doc: Y.Doc) => {
      counter.calls += 1;
      return Y.encodeStateAsUpdate(doc);
    },
  };
  return counter;
}

describe('createDocumentCostBudget', () => {
  it('admits on its bound, recounts the state only near the limit, and refuses past it', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, amplifiedUpdate(100));
    // The bound starts high (log entries overlapping the stored state are counted twice).
    const recounts = countingEncoder();
    const budget = createDocumentCostBudget(250, 200, recounts.encode);
    budget.admit(doc, 40);
    expect(recounts.calls).toBe(0);
    budget.admit(doc, 100); // 240 + 100 > 250: the exact count (100) makes room
    expect(recounts.calls).toBe(1);
    expect(budget.bound).toBe(200);
    expect(() => budget.admit(doc, 151)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });

  it('recounts near the limit only after an eighth of the bound was admitted since the last count', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, amplifiedUpdate(100));
    const recounts = countingEncoder();
    const budget = createDocumentCostBudget(1000, 100, recounts.encode);
    budget.admit(doc, 890); // bound 990
    expect(recounts.calls).toBe(0);
    // 990 + 20 > 1000: the first recount (the loaded bound is not exact); the state holds 100, so
    // the 890 admitted without being applied go, and this update fits.
    budget.admit(doc, 20);
    expect(recounts.calls).toBe(1);
    expect(budget.bound).toBe(120);
    budget.admit(doc, 870); // 990
    // 990 + 20 > 1000 again, 870 admitted since the count ≥ 990 / 8: recounted.
    budget.admit(doc, 20);
    expect(recounts.calls).toBe(2);
    budget.admit(doc, 875); // 995
    for (let i = 0; i < 5; i += 1) budget.admit(doc, 1); // 1000
    const recountsBefore = recounts.calls;
    // 1000 + 1 > 1000 with 900 admitted since the count of 120: recounted; after that, with the
    // exact count at the limit, each further edit is refused on the bound alone, without an encode.
    Y.applyUpdate(doc, amplifiedUpdate(900, 555));
    expect(() => budget.admit(doc, 1)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
    expect(recounts.calls).toBe(recountsBefore + 1);
    for (let i = 0; i < 100; i += 1)
      expect(() => budget.admit(doc, 1)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
    expect(recounts.calls).toBe(recountsBefore + 1);
  });

  it('lets a document loaded past the limit grow by a tenth of it, counted from its exact cost', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, amplifiedUpdate(1200));
    // Loaded bound 2400 (say the log overlaps the state): past the limit of 1000.
    const recounts = countingEncoder();
    const budget = createDocumentCostBudget(1000, 2400, recounts.encode);
    for (let i = 0; i < 50; i += 1) budget.admit(doc, 1); // edits, no encode
    expect(recounts.calls).toBe(0);
    // 2450 + 100 > 2400 + 100: the first exact count (1200) sets the allowance from there.
    budget.admit(doc, 100);
    expect(recounts.calls).toBe(1);
    expect(budget.ceiling).toBe(1300);
    expect(budget.bound).toBe(1300);
    expect(() => budget.admit(doc, 1)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
    expect(recounts.calls).toBe(1);
  });
});
