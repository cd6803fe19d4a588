import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { buildBlockSuiteDocument, readBlockSuiteDocument } from '../../../src/domain/blocksuite/index.ts';
import { type EncodedBase, indexEncodedState } from '../../../src/domain/documents/encoded-base.ts';
import { encodeStateInSlices } from '../../../src/domain/documents/sliced-encoding.ts';
import { NO_SLICES, type TimeSlicer } from '../../../src/domain/documents/time-slices.ts';

/** A slicer that pauses at every check and runs `between` in each pause, as other clients' edits would. */
function everyCheck(between: () => void = () => {}): TimeSlicer {
  return { due: () => true, pause: async () => between() };
}

function paragraphTexts(doc: Y.Doc): Y.Text[] {
  return [...doc.getMap<Y.Map<unknown>>('blocks').values()]
    .filter((block) => block.get('sys:flavour') === 'affine:paragraph')
    .map((block) => block.get('prop:text') as Y.Text);
}

/** A stored page (multi-byte text included) and a document loaded from it. */
function loadedPage(paragraphs = 400) {
  const stored = Y.encodeStateAsUpdate(
    buildBlockSuiteDocument(
      'Base',
      Array.from({ length: paragraphs }, (_, i) => `Paragraph ${i} — naïve 日本語 😀 marker-${i}-end`),
    ),
  );
  const doc = new Y.Doc();
  Y.applyUpdate(doc, stored);
  return { stored, doc };
}

/** Edits by the document's own client and by another: inserts inside stored text (splitting its structs) and deletions (garbage-collected). */
function editAfterLoad(doc: Y.Doc): void {
  const texts = paragraphTexts(doc);
  for (let i = 0; i < texts.length; i += 29) {
    const text = texts[i] as Y.Text;
    text.insert(5, 'inserted ');
    text.delete(text.length - 12, 6);
  }
  const other = new Y.Doc();
  other.clientID = doc.clientID + 1000;
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
  paragraphTexts(other)[3]?.insert(0, 'other client ');
  paragraphTexts(other)[7]?.delete(0, 9);
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)));
}

/** The same document: state vector, delete set and content. */
function expectSameDocument(update: Uint8Array, doc: Y.Doc): void {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, update);
  expect(copy.store.pendingStructs).toBeNull();
  expect(copy.store.pendingDs).toBeNull();
  expect(Y.decodeStateVector(Y.encodeStateVector(copy))).toEqual(Y.decodeStateVector(Y.encodeStateVector(doc)));
  expect(Y.equalSnapshots(Y.snapshot(copy), Y.snapshot(doc))).toBe(true);
  expect(readBlockSuiteDocument(copy)).toEqual(readBlockSuiteDocument(doc));
  expect(copy.getMap('blocks').toJSON()).toEqual(doc.getMap('blocks').toJSON());
}

const contains = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(Buffer.from(text));

describe('an encoded base', () => {
  it('indexes a stored state by client: its first and end clocks are the state vector, multi-byte text counted in UTF-16 units', async () => {
    const { stored } = loadedPage();
    const other = new Y.Doc();
    Y.applyUpdate(other, stored);
    other.clientID = 4242;
    paragraphTexts(other)[0]?.insert(3, '😀 ü');
    const update = Y.mergeUpdates([stored, Y.encodeStateAsUpdate(other, Y.encodeStateVectorFromUpdate(stored))]);
    const merged = new Y.Doc();
    Y.applyUpdate(merged, update);
    const whole = Y.encodeStateAsUpdate(merged);

    for (const bytes of [stored, whole]) {
      const base = (await indexEncodedState(bytes, everyCheck())) as EncodedBase;
      const ends = new Map([...base].map(([client, section]) => [client, section.end]));
      expect(ends).toEqual(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(bytes)));
      for (const section of base.values()) expect(section.first).toBe(0);
    }
  });

  it('refuses an update holding a skip range (a merge of updates with a gap)', async () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    doc.getText('t').insert(0, 'one');
    doc.getText('t').insert(3, 'two');
    doc.getText('t').insert(6, 'three');
    const gapped = Y.mergeUpdates([updates[0] as Uint8Array, updates[2] as Uint8Array]);
    expect(await indexEncodedState(gapped, NO_SLICES)).toBeUndefined();
  });
});

describe('encoding a document over a base', () => {
  it('copies the base as bytes and writes the same document as Y.encodeStateAsUpdate', async () => {
    const { stored, doc } = loadedPage();
    const base = await indexEncodedState(stored, NO_SLICES);
    editAfterLoad(doc);
    // The loaded bytes held text the document has deleted (and garbage-collected) since.
    expect(contains(stored, 'marker-0-end')).toBe(true);
    expect(contains(Y.encodeStateAsUpdate(doc), 'marker-0-end')).toBe(false);

    const encoded = await encodeStateInSlices(doc, everyCheck(), base);
    // Copied, not written again: the deleted text is still in the bytes, the delete set says it is deleted.
    expect(contains(encoded.update, 'marker-0-end')).toBe(true);
    expectSameDocument(encoded.update, doc);
    expect(encoded.contains(Y.encodeStateAsUpdate(doc))).toBe(true);
  });

  it('holds every edit made before it started when edits arrive between slices, and indexes its own result as the next base', async () => {
    const { stored, doc } = loadedPage();
    const base = await indexEncodedState(stored, NO_SLICES);
    editAfterLoad(doc);
    const before = Y.encodeStateAsUpdate(doc);
    const texts = paragraphTexts(doc);
    let pauses = 0;
    const encoded = await encodeStateInSlices(
      doc,
      everyCheck(() => {
        pauses += 1;
        (texts[pauses % texts.length] as Y.Text).insert(2, `between ${pauses} `);
      }),
      base,
    );
    expect(pauses).toBeGreaterThan(0);
    expect(encoded.contains(before)).toBe(true);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, encoded.update);
    expect(copy.store.pendingStructs).toBeNull();

    // The result's own index is a base as good as the loaded bytes.
    const ownIndex = await indexEncodedState(encoded.update, NO_SLICES);
    expect(encoded.base).toEqual(ownIndex);
    editAfterLoad(doc);
    const again = await encodeStateInSlices(doc, everyCheck(), encoded.base);
    expect(contains(again.update, 'marker-0-end')).toBe(true);
    expectSameDocument(again.update, doc);
  });

  it('uses no section the document does not hold whole (a base from further on)', async () => {
    const { stored, doc } = loadedPage(50);
    const ahead = new Y.Doc();
    Y.applyUpdate(ahead, stored);
    ahead.clientID = doc.clientID;
    // Not the same clocks as the live document's own edits: those must never come from this base.
    paragraphTexts(ahead)[0]?.insert(0, 'never in the live document ');
    const base = await indexEncodedState(Y.encodeStateAsUpdate(ahead), NO_SLICES);
    paragraphTexts(doc)[1]?.insert(0, 'live ');

    const encoded = await encodeStateInSlices(doc, NO_SLICES, base);
    expect(contains(encoded.update, 'never in the live document')).toBe(false);
    expectSameDocument(encoded.update, doc);
  });
});
