import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
  buildBlockSuiteDocument,
  readBlockSuiteDocument,
  readBlockSuiteDocumentInSlices,
} from '../../../src/domain/blocksuite/index.ts';
import {
  COPY_SLICE_BYTES,
  concatInSlices,
  encodeStateInSlices,
} from '../../../src/domain/documents/sliced-encoding.ts';
import { NO_SLICES, type TimeSlicer } from '../../../src/domain/documents/time-slices.ts';

/** A slicer that pauses at every check and runs `between` in each pause, as other clients' edits would. */
function everyCheck(between: () => void = () => {}): TimeSlicer & { pauses: number } {
  const slicer = {
    pauses: 0,
    due: () => true,
    pause: async () => {
      slicer.pauses += 1;
      between();
    },
  };
  return slicer;
}

function paragraphTexts(doc: Y.Doc): Y.Text[] {
  return [...doc.getMap<Y.Map<unknown>>('blocks').values()]
    .filter((block) => block.get('sys:flavour') === 'affine:paragraph')
    .map((block) => block.get('prop:text') as Y.Text);
}

/** A BlockSuite page edited by three clients, with deletions (garbage-collected) and inserts in the middle. */
function editedDocument(paragraphs = 3000): Y.Doc {
  const doc = buildBlockSuiteDocument(
    'Sliced',
    Array.from({ length: paragraphs }, (_, i) => `Paragraph ${i} about [[Topic ${i % 7}]] and plans`),
  );
  const other = new Y.Doc();
  other.clientID = doc.clientID + 1000;
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
  const texts = paragraphTexts(other);
  for (let i = 0; i < texts.length; i += 37) {
    const text = texts[i] as Y.Text;
    text.insert(4, 'inserted ');
    text.delete(0, 2);
  }
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)));
  const third = new Y.Doc();
  third.clientID = doc.clientID + 2000;
  Y.applyUpdate(third, Y.encodeStateAsUpdate(doc));
  paragraphTexts(third)[5]?.insert(0, 'third client ');
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(third, Y.encodeStateVector(doc)));
  return doc;
}

describe('encoding a document in time slices', () => {
  it('writes exactly the bytes of Y.encodeStateAsUpdate when the document does not change', async () => {
    const doc = editedDocument();
    const expected = Y.encodeStateAsUpdate(doc);
    const whole = await encodeStateInSlices(doc, NO_SLICES);
    const slicer = everyCheck();
    const sliced = await encodeStateInSlices(doc, slicer);
    expect(slicer.pauses).toBeGreaterThan(10);
    expect(Buffer.from(whole.update).equals(Buffer.from(expected))).toBe(true);
    expect(Buffer.from(sliced.update).equals(Buffer.from(expected))).toBe(true);
    expect(Buffer.from(await encodeStateInSlices(new Y.Doc(), NO_SLICES).then((e) => e.update))).toEqual(
      Buffer.from(Y.encodeStateAsUpdate(new Y.Doc())),
    );
  });

  it('holds at least the document as it was when encoding started while edits arrive between slices', async () => {
    const doc = editedDocument();
    const atStart = Y.encodeStateAsUpdate(doc);
    const before: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => before.push(update));
    const texts = paragraphTexts(doc);
    let round = 0;
    // Between slices: typing at the end of a text (merges with the struct before), typing in the
    // middle (splits one), deleting (garbage collection replaces structs), a new block.
    const slicer = everyCheck(() => {
      round += 1;
      const text = texts[(round * 53) % texts.length] as Y.Text;
      if (round % 3 === 0) text.delete(0, Math.min(3, text.length));
      else if (round % 3 === 1) text.insert(text.length, 'x');
      else text.insert(2, 'mid');
      if (round % 10 === 0) doc.getMap('blocks').set(`new-${round}`, new Y.Map());
    });
    const encoded = await encodeStateInSlices(doc, slicer);
    expect(round).toBeGreaterThan(10);

    const stored = new Y.Doc();
    Y.applyUpdate(stored, encoded.update);
    // Nothing waits for a missing dependency: the update is self-contained.
    expect(stored.store.pendingStructs).toBeNull();
    expect(stored.store.pendingDs).toBeNull();
    expect(Y.snapshotContainsUpdate(Y.snapshot(stored), atStart)).toBe(true);
    expect(encoded.contains(atStart)).toBe(true);
    // What the live document holds beyond it arrives as an ordinary diff, and both converge.
    Y.applyUpdate(stored, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(stored)));
    expect(stored.getMap('blocks').toJSON()).toEqual(doc.getMap('blocks').toJSON());
    expect(readBlockSuiteDocument(stored)).toEqual(readBlockSuiteDocument(doc));

    // An edit made after the encoding is not held, and says so.
    const after = new Y.Doc();
    after.clientID = 987654;
    Y.applyUpdate(after, Y.encodeStateAsUpdate(doc));
    const afterUpdates: Uint8Array[] = [];
    after.on('update', (update: Uint8Array) => afterUpdates.push(update));
    paragraphTexts(after)[0]?.insert(0, 'later');
    expect(encoded.contains(afterUpdates[0] as Uint8Array)).toBe(false);
  });

  it('tells a deletion the state does not hold from one it holds', async () => {
    const doc = editedDocument(50);
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    const deletions: Uint8Array[] = [];
    peer.on('update', (update: Uint8Array) => deletions.push(update));
    paragraphTexts(peer)[3]?.delete(0, 4);
    const deletion = deletions[0] as Uint8Array;
    expect((await encodeStateInSlices(doc, NO_SLICES)).contains(deletion)).toBe(false);
    Y.applyUpdate(doc, deletion);
    expect((await encodeStateInSlices(doc, everyCheck())).contains(deletion)).toBe(true);
  });
});

describe('putting the encoded parts together', () => {
  it('copies a large part in pieces, one slice each, into exactly the concatenated bytes', async () => {
    const part = (bytes: number, seed: number) => new Uint8Array(bytes).map((_, i) => (i * seed) & 255);
    const chunks = [part(2 * COPY_SLICE_BYTES + 5, 7), part(3, 11), part(COPY_SLICE_BYTES, 13)];
    const slicer = everyCheck();
    const out = await concatInSlices(chunks, slicer);
    expect(Buffer.from(out).equals(Buffer.concat(chunks))).toBe(true);
    // One look at the clock before each piece: 3 of the first part, 1 of each other.
    expect(slicer.pauses).toBe(5);
  });
});

describe('reading a document in time slices', () => {
  it('reads what the one-go read reads', async () => {
    const doc = editedDocument(1000);
    const slicer = everyCheck();
    expect(await readBlockSuiteDocumentInSlices(doc, slicer)).toEqual(readBlockSuiteDocument(doc));
    expect(slicer.pauses).toBeGreaterThan(10);
  });
});
