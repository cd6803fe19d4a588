// A live document's content, read again at each store over the readings kept from the last one
// (only the blocks changed since are read afresh), must be exactly what a fresh read gives. Random
// edits of every fixture, local and remote, structural and textual, compared after each round.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  buildBlockSuiteDocument,
  liveDocumentContent,
  readBlockSuiteDocument,
  snapshotBlockJson,
  type BlockSuiteDocumentContent,
  warmLargeDocument,
} from '../../../src/domain/blocksuite/index.ts';
import { NO_SLICES } from '../../../src/domain/documents/time-slices.ts';

const FIXTURES = new URL('../../fixtures/blocksuite/', import.meta.url);
const fixtureFiles = (dir: URL) =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.ydoc.bin'))
    .map((file) => new URL(file, dir));
const fixtures = [...fixtureFiles(FIXTURES), ...fixtureFiles(new URL('v022/', FIXTURES))];

/** Deterministic: a failure names its seed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T | undefined => (items.length === 0 ? undefined : items[below(items.length)]);
  return { next, below, pick };
}
type Random = ReturnType<typeof generator>;

/** Every Y.Text and Y.Array in the document, nested ones too (database cells, canvas elements). */
function sharedTypes(doc: Y.Doc): { texts: Y.Text[]; arrays: Y.Array<unknown>[]; maps: Y.Map<unknown>[] } {
  const found = { texts: [] as Y.Text[], arrays: [] as Y.Array<unknown>[], maps: [] as Y.Map<unknown>[] };
  const visit = (value: unknown) => {
    if (value instanceof Y.Text) found.texts.push(value);
    else if (value instanceof Y.Array) {
      found.arrays.push(value);
      for (const item of value.toArray()) visit(item);
    } else if (value instanceof Y.Map) {
      found.maps.push(value);
      for (const item of value.values()) visit(item);
    }
  };
  visit(doc.getMap('blocks'));
  return found;
}

const blocksOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>('blocks');
const LABELS = ['[[Apollo]]', '[[Project Apollo]]', ' [[Zeta ', 'plain words ', '[[ spaced  label ]]', '\n', '🚀 '];
const FLAVOURS = ['affine:paragraph', 'affine:list', 'affine:code', 'affine:embed-linked-doc', 'affine:image'];

/** One random edit, of the kinds a BlockSuite editor (or a hostile client) makes. */
function randomEdit(doc: Y.Doc, random: Random, counter: { next: number }): void {
  const blocks = blocksOf(doc);
  const ids = [...blocks.keys()];
  const { texts, arrays } = sharedTypes(doc);
  const children = arrays.filter((array) => array.toArray().every((value) => typeof value === 'string'));
  switch (random.below(10)) {
    case 0:
    case 1: {
      const text = random.pick(texts);
      if (!text) return;
      const attributes = random.pick([
        undefined,
        { code: true },
        { reference: { type: 'LinkedPage', pageId: `doc-${random.below(5)}` } },
        { bold: true },
      ]);
      text.insert(random.below(text.length + 1), random.pick(LABELS) ?? 'x', attributes);
      return;
    }
    case 2: {
      const text = random.pick(texts);
      if (!text || text.length === 0) return;
      const at = random.below(text.length);
      text.delete(at, Math.min(text.length - at, 1 + random.below(6)));
      return;
    }
    case 3: {
      // Formatting, made by another replica: a format that changes nothing makes no update, yet
      // locally it may split a surrogate pair in two replacement characters without any change
      // event (a Yjs quirk), which a server never does to its document: it only applies updates.
      const peer = new Y.Doc();
      Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
      const before = Y.encodeStateVector(peer);
      const text = random.pick(sharedTypes(peer).texts);
      if (!text || text.length === 0) return;
      text.format(random.below(text.length), 1 + random.below(4), { code: random.below(2) === 0 ? true : null });
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, before), 'remote');
      return;
    }
    case 4: {
      // A new block under a random parent.
      const parent = random.pick(children);
      const id = `live-${counter.next++}`;
      const block = new Y.Map<unknown>();
      const flavour = random.pick(FLAVOURS) ?? 'affine:paragraph';
      doc.transact(() => {
        block.set('sys:id', id);
        block.set('sys:flavour', flavour);
        block.set('sys:children', new Y.Array());
        const content = new Y.Text();
        content.insert(0, `new block ${id} ${random.pick(LABELS)}`);
        block.set('prop:text', content);
        if (flavour === 'affine:embed-linked-doc') block.set('prop:pageId', `doc-${random.below(5)}`);
        if (flavour === 'affine:image') block.set('prop:sourceId', `blob-${random.below(5)}`);
        blocks.set(id, block);
        parent?.insert(random.below(parent.length + 1), [id]);
      });
      return;
    }
    case 5: {
      // Detach a child (the block stays in the map, unreachable) or move it elsewhere.
      const from = random.pick(children.filter((array) => array.length > 0));
      if (!from) return;
      const at = random.below(from.length);
      const id = from.get(at);
      const to = random.pick(children);
      doc.transact(() => {
        from.delete(at, 1);
        if (to && random.below(2) === 0) to.insert(random.below(to.length + 1), [id]);
      });
      return;
    }
    case 6: {
      const id = random.pick(ids);
      if (id !== undefined && random.below(3) === 0) blocks.delete(id);
      return;
    }
    case 7: {
      // Replace a block under the same id, or change its flavour.
      const id = random.pick(ids);
      const old = id === undefined ? undefined : blocks.get(id);
      if (!id || !(old instanceof Y.Map)) return;
      if (random.below(2) === 0) {
        old.set('sys:flavour', random.pick(FLAVOURS) ?? 'affine:paragraph');
        return;
      }
      const block = new Y.Map<unknown>();
      doc.transact(() => {
        block.set('sys:id', id);
        block.set('sys:flavour', old.get('sys:flavour'));
        const kids = new Y.Array<string>();
        const before = old.get('sys:children');
        if (before instanceof Y.Array)
          kids.insert(
            0,
            before.toArray().filter((v) => typeof v === 'string'),
          );
        block.set('sys:children', kids);
        const content = new Y.Text();
        content.insert(0, `replaced ${random.pick(LABELS)}`);
        block.set('prop:text', content);
        blocks.set(id, block);
      });
      return;
    }
    case 8: {
      // A remote edit, applied as an update from another replica.
      const peer = new Y.Doc();
      Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
      const before = Y.encodeStateVector(peer);
      const counterPeer = { next: counter.next + 1000 };
      randomEdit(peer, random, counterPeer);
      counter.next = counterPeer.next - 1000 + 1;
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, before), 'remote');
      return;
    }
    default: {
      // The page title, or a prop holding a nested text (a cell-like map).
      const page = [...blocks.values()].find((block) => block.get('sys:flavour') === 'affine:page');
      const title = page?.get('prop:title');
      if (title instanceof Y.Text && random.below(2) === 0) {
        title.insert(random.below(title.length + 1), random.pick(LABELS) ?? 't');
        return;
      }
      const block = blocks.get(random.pick(ids) ?? '');
      if (!(block instanceof Y.Map)) return;
      const nested = new Y.Map<unknown>();
      const cell = new Y.Text();
      doc.transact(() => {
        cell.insert(0, `cell ${random.pick(LABELS)}`);
        nested.set('text', cell);
        block.set(`prop:extra${random.below(3)}`, nested);
      });
    }
  }
}

const snapshotJson = (
  content: BlockSuiteDocumentContent,
  json: (block: BlockSuiteDocumentContent['blocks'][number]) => string,
) => `[${content.blocks.map(json).join(',')}]`;

async function expectSame(live: ReturnType<typeof liveDocumentContent>, doc: Y.Doc, context: string) {
  const incremental = await live.read(NO_SLICES);
  const fresh = readBlockSuiteDocument(doc);
  expect(JSON.stringify(incremental), context).toBe(JSON.stringify(fresh));
  expect(snapshotJson(incremental, snapshotBlockJson), context).toBe(
    snapshotJson(fresh, (block) => JSON.stringify(block)),
  );
}

describe('the content of a live document, read again over kept readings', () => {
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
  });

  for (const file of fixtures) {
    const name = file.pathname.split('/').at(-1);
    it(`equals a fresh read after every round of random edits: ${name}`, async () => {
      for (const seed of [1, 2, 3]) {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, readFileSync(file));
        const live = liveDocumentContent(doc);
        const random = generator(seed * 7919 + (name?.length ?? 0));
        const counter = { next: 0 };
        await expectSame(live, doc, `${name} seed ${seed}, before any edit`);
        for (let round = 0; round < 40; round += 1) {
          const generation = live.generation;
          const edits = 1 + random.below(3);
          for (let edit = 0; edit < edits; edit += 1) randomEdit(doc, random, counter);
          await expectSame(live, doc, `${name} seed ${seed}, round ${round}`);
          expect(live.generation).toBeGreaterThanOrEqual(generation);
        }
      }
    });
  }

  it('reads again what changed between two slices of a read, walked or put together from the last walk', async () => {
    // Large enough that putting the content together from the last walk pauses too.
    const doc = new Y.Doc();
    Y.applyUpdate(
      doc,
      Y.encodeStateAsUpdate(
        buildBlockSuiteDocument(
          'Sliced',
          Array.from({ length: 5000 }, (_, i) => `paragraph ${i} about [[Topic ${i % 7}]]`),
        ),
      ),
    );
    const random = generator(42);
    const counter = { next: 0 };
    const live = liveDocumentContent(doc);
    await live.read(NO_SLICES);
    for (let round = 0; round < 12; round += 1) {
      // Odd rounds change only texts (the last walk is reused), even ones add a block (a walk).
      const kind = round % 2 === 0 ? 4 : 0;
      randomEdit(doc, { ...random, below: (n: number) => (n === 10 ? kind : random.below(n)) }, counter);
      let pauses = 0;
      await live.read({
        due: () => true,
        pause: async () => {
          pauses += 1;
          // Texts, formats and new blocks: nothing that cuts the tree short of a pause.
          if (pauses <= 3)
            randomEdit(doc, { ...random, below: (n: number) => random.below(n === 10 ? 5 : n) }, counter);
        },
      });
      expect(pauses, `round ${round}`).toBeGreaterThan(0);
      await expectSame(live, doc, `round ${round}`);
    }
  });

  it('counts a generation for each transaction that changed the document, none for one that did not', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, readFileSync(fixtures[0] as URL));
    const live = liveDocumentContent(doc);
    const before = live.generation;
    doc.transact(() => {});
    expect(live.generation).toBe(before);
    const text = sharedTypes(doc).texts[0] as Y.Text;
    text.insert(0, 'a');
    expect(live.generation).toBe(before + 1);
    text.delete(0, 1);
    expect(live.generation).toBe(before + 2);
  });

  it('runs reads one at a time: a quick read started during a slow one, with edits between, still ends current', async () => {
    const doc = buildBlockSuiteDocument(
      'Queued',
      Array.from({ length: 400 }, (_, i) => `line ${i} [[Label ${i % 7}]]`),
    );
    const paragraphs = [...doc.getMap<Y.Map<unknown>>('blocks').values()].filter(
      (block) => block.get('sys:flavour') === 'affine:paragraph',
    );
    const random = generator(7);
    const counter = { next: 0 };
    const live = liveDocumentContent(doc);
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    // Every look at the clock is due and each pause takes a few turns: the slow read is overtaken.
    const slow = {
      due: () => true,
      pause: async () => {
        for (let i = 0; i < 3; i += 1) await turn();
      },
    };
    for (let round = 0; round < 6; round += 1) {
      randomEdit(doc, { ...random, below: (n: number) => random.below(n === 10 ? 5 : n) }, counter);
      const first = live.read(slow);
      await turn();
      await turn();
      // A block the slow read has visited by now changes; the quick read reads it afresh.
      ((paragraphs[round] as Y.Map<unknown>).get('prop:text') as Y.Text).insert(0, `round ${round} `);
      const second = live.read(NO_SLICES);
      await Promise.all([first, second]);
      await expectSame(live, doc, `round ${round}`);
    }
  });

  it('reads a large document ahead of its first store, then only what changed', async () => {
    const small = buildBlockSuiteDocument('Small', ['one', 'two']);
    expect(warmLargeDocument(small, NO_SLICES)).toBeUndefined();

    const doc = buildBlockSuiteDocument(
      'Large',
      Array.from({ length: 2500 }, (_, i) => `paragraph ${i}`),
    );
    const live = liveDocumentContent(doc);
    const warming = warmLargeDocument(doc, { due: () => true, pause: () => new Promise((r) => setImmediate(r)) });
    expect(warming).toBeDefined();
    // A store arriving meanwhile waits for the read in progress instead of walking beside it.
    const paragraph = [...doc.getMap<Y.Map<unknown>>('blocks').values()].find(
      (block) => block.get('sys:flavour') === 'affine:paragraph',
    ) as Y.Map<unknown>;
    (paragraph.get('prop:text') as Y.Text).insert(0, 'edited ');
    await warming;
    const afterWarm = live.freshReads;
    expect(afterWarm).toBeGreaterThanOrEqual(2500);
    (paragraph.get('prop:text') as Y.Text).insert(0, 'again ');
    await expectSame(live, doc, 'after the read ahead');
    expect(live.freshReads - afterWarm).toBeLessThanOrEqual(2);
  });
});
