import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBlockSuiteDocument } from '../../../src/domain/blocksuite/index.ts';
import { makeDoc, pageWith, text } from './make-doc.ts';

const labelsOf = (doc: Y.Doc) => readBlockSuiteDocument(doc).wikiLabels;

describe('wiki labels', () => {
  it('takes the part before | or # as the label', () => {
    expect(
      labelsOf(pageWith(['[[Target|shown text]] [[Other#Heading]] [[Third|a#b]] [[#only heading]] [[|alias]]'])),
    ).toEqual(['Target', 'Other', 'Third']);
  });

  it('trims and collapses whitespace, skips empty labels', () => {
    expect(labelsOf(pageWith(['[[  Lunar \t  Module ]] [[ ]] [[]] [[\u00a0]] [[ Lunar Module]]']))).toEqual([
      'Lunar Module',
    ]);
  });

  it('keeps the first appearance order and drops exact duplicates only', () => {
    expect(labelsOf(pageWith(['[[B]] [[A]]', '[[B]] [[a]]']))).toEqual(['B', 'A', 'a']);
  });

  it('never spans a line break', () => {
    expect(labelsOf(pageWith(['[[Line\nBreak]] [[ok]] [[a\r\nb]]']))).toEqual(['ok']);
  });

  it('does not let a label start in one block and end in the next', () => {
    expect(labelsOf(pageWith(['start [[Split', 'Label]] end']))).toEqual([]);
  });

  it('finds labels split over formatted delta pieces', () => {
    const doc = pageWith([
      [
        { insert: 'see [[' },
        { insert: 'Saturn', attributes: { bold: true } },
        { insert: ' V', attributes: { italic: true, color: 'red' } },
        { insert: ']] and [[Linked]]', attributes: { link: 'https://example.com' } },
      ],
    ]);
    expect(labelsOf(doc)).toEqual(['Saturn V', 'Linked']);
  });

  it('ignores affine:code blocks but keeps their text', () => {
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['note'], props: { 'prop:title': 'T' } },
      { id: 'note', flavour: 'affine:note', children: ['code', 'p'] },
      { id: 'code', flavour: 'affine:code', props: { 'prop:text': "x = '[[In Code]]'" } },
      { id: 'p', flavour: 'affine:paragraph', props: { 'prop:text': '[[Outside]]' } },
    ]);
    const content = readBlockSuiteDocument(doc);
    expect(content.wikiLabels).toEqual(['Outside']);
    expect(content.text).toBe("x = '[[In Code]]'\n[[Outside]]");
  });

  it('ignores inline code spans, also when a label only partly lies in one', () => {
    const doc = pageWith([
      [
        { insert: 'a ' },
        { insert: '[[Inline]]', attributes: { code: true } },
        { insert: ' [[Half' },
        { insert: ' Code]]', attributes: { code: true } },
        { insert: ' [[Real]] ' },
        { insert: 'x', attributes: { code: true } },
        { insert: '[[After Code]]' },
      ],
    ]);
    const content = readBlockSuiteDocument(doc);
    expect(content.wikiLabels).toEqual(['Real', 'After Code']);
    expect(content.text).toBe('a [[Inline]] [[Half Code]] [[Real]] x[[After Code]]');
  });

  it('treats a removed code attribute as normal text', () => {
    const doc = pageWith(['[[Was Code]]']);
    const ytext = (doc.getMap('blocks').get('p0') as Y.Map<unknown>).get('prop:text') as Y.Text;
    ytext.format(0, 12, { code: true });
    expect(labelsOf(doc)).toEqual([]);
    ytext.format(0, 12, { code: null });
    expect(labelsOf(doc)).toEqual(['Was Code']);
  });

  it('does not read deleted text', () => {
    const doc = pageWith(['keep [[Kept]] drop [[Dropped]]']);
    const ytext = (doc.getMap('blocks').get('p0') as Y.Map<unknown>).get('prop:text') as Y.Text;
    ytext.delete(13, 18);
    const content = readBlockSuiteDocument(doc);
    expect(content.text).toBe('keep [[Kept]]');
    expect(content.wikiLabels).toEqual(['Kept']);
  });

  it('does not scan the page title', () => {
    const doc = makeDoc([{ id: 'page', flavour: 'affine:page', props: { 'prop:title': '[[In Title]]' } }]);
    expect(readBlockSuiteDocument(doc)).toMatchObject({ title: '[[In Title]]', wikiLabels: [] });
  });
});

describe('native references', () => {
  const ref = (pageId: string, type = 'LinkedPage') => ({ insert: ' ', attributes: { reference: { type, pageId } } });

  it('collects LinkedPage references and doc embeds, unique, in order', () => {
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['note'], props: { 'prop:title': 'T' } },
      { id: 'note', flavour: 'affine:note', children: ['a', 'card', 'b', 'synced'] },
      {
        id: 'a',
        flavour: 'affine:paragraph',
        props: { 'prop:text': [{ insert: 'x ' }, ref('doc-1'), { insert: ' y ' }, ref('doc-2')] },
      },
      { id: 'card', flavour: 'affine:embed-linked-doc', props: { 'prop:pageId': 'doc-3' } },
      {
        id: 'b',
        flavour: 'affine:paragraph',
        props: { 'prop:text': [ref('doc-1'), ref('other', 'Subpage'), ref('')] },
      },
      { id: 'synced', flavour: 'affine:embed-synced-doc', props: { 'prop:pageId': 'doc-4' } },
    ]);
    const content = readBlockSuiteDocument(doc);
    expect(content.referencedDocIds).toEqual(['doc-1', 'doc-2', 'doc-3', 'doc-4']);
    expect(content.text).toBe('x   y  \n   ');
  });

  it('collects footnotes that cite a doc (BlockSuite 0.2x)', () => {
    const footnote = (reference: Record<string, unknown>) => ({
      insert: ' ',
      attributes: { footnote: { label: '1', reference } },
    });
    const doc = pageWith([[footnote({ type: 'doc', docId: 'cited' }), footnote({ type: 'url', url: 'https://x' })]]);
    expect(readBlockSuiteDocument(doc).referencedDocIds).toEqual(['cited']);
  });

  it('ignores a reference whose text was deleted', () => {
    const doc = pageWith([[{ insert: 'a' }, ref('gone'), { insert: 'b' }]]);
    const ytext = (doc.getMap('blocks').get('p0') as Y.Map<unknown>).get('prop:text') as Y.Text;
    ytext.delete(1, 1);
    expect(readBlockSuiteDocument(doc).referencedDocIds).toEqual([]);
  });
});

describe('nested texts', () => {
  it('reads database cells of current rows after the rows, in column order, links only', () => {
    const cells = new Y.Map<unknown>();
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['note'], props: { 'prop:title': 'T' } },
      { id: 'note', flavour: 'affine:note', children: ['db', 'after'] },
      {
        id: 'db',
        flavour: 'affine:database',
        children: ['r1', 'r2'],
        props: { 'prop:title': 'DB', 'prop:cells': cells },
      },
      { id: 'r1', flavour: 'affine:paragraph', props: { 'prop:text': 'Row [[R1]]' } },
      { id: 'r2', flavour: 'affine:paragraph', props: { 'prop:text': 'Row [[R2]]' } },
      { id: 'after', flavour: 'affine:paragraph', props: { 'prop:text': '[[After]]' } },
    ]);
    doc.transact(() => {
      const db = doc.getMap('blocks').get('db') as Y.Map<unknown>;
      db.set('prop:columns', Y.Array.from([column('c2'), column('c1')]));
      cells.set('r2', row({ c1: '[[R2 C1]]', c2: '[[R2 C2]]' }));
      cells.set('r1', row({ c1: '[[R1 C1]]' }));
      cells.set('deleted-row', row({ c1: '[[Deleted Row]]' }));
    });
    const content = readBlockSuiteDocument(doc);
    expect(content.wikiLabels).toEqual(['R1', 'R2', 'R1 C1', 'R2 C2', 'R2 C1', 'After']);
    expect(content.text).toBe('DB\nRow [[R1]]\nRow [[R2]]\n[[After]]');
  });

  it('reads canvas element texts in index order', () => {
    const elements = new Y.Map<unknown>();
    const boxed = new Y.Map<unknown>();
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['surface'], props: { 'prop:title': 'T' } },
      { id: 'surface', flavour: 'affine:surface', props: { 'prop:elements': boxed } },
    ]);
    doc.transact(() => {
      boxed.set('type', '$blocksuite:internal:native$');
      boxed.set('value', elements);
      elements.set('e1', element('a2', { text: '[[Second]]' }));
      elements.set('e2', element('a1', { text: '[[First]]', title: '[[Group Title]]' }));
    });
    expect(labelsOf(doc)).toEqual(['First', 'Group Title', 'Second']);
  });

  it('reads a 0.2x affine:table, whose cell texts sit flat on the block, in row then column order', () => {
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['table'], props: { 'prop:title': 'T' } },
      {
        id: 'table',
        flavour: 'affine:table',
        props: {
          'prop:rows.r1.rowId': 'r1',
          'prop:rows.r1.order': 'a1',
          'prop:rows.r2.rowId': 'r2',
          'prop:rows.r2.order': 'a0',
          'prop:columns.c1.columnId': 'c1',
          'prop:columns.c1.order': 'a0',
          'prop:columns.c2.columnId': 'c2',
          'prop:columns.c2.order': 'a1',
          'prop:cells.r1:c2.text': text('[[R1 C2]]'),
          'prop:cells.r1:c1.text': text('[[R1 C1]]'),
          'prop:cells.r2:c1.text': text('[[R2 C1]]'),
        },
      },
    ]);
    const content = readBlockSuiteDocument(doc);
    expect(content.wikiLabels).toEqual(['R2 C1', 'R1 C1', 'R1 C2']);
    expect(content.text).toBe('[[R2 C1]]\n[[R1 C1]]\n[[R1 C2]]');
  });

  function column(id: string): Y.Map<unknown> {
    const map = new Y.Map<unknown>();
    map.set('id', id);
    return map;
  }

  function row(values: Record<string, string>): Y.Map<unknown> {
    const map = new Y.Map<unknown>();
    for (const [columnId, value] of Object.entries(values)) {
      const cell = new Y.Map<unknown>();
      cell.set('columnId', columnId);
      cell.set('value', text(value));
      map.set(columnId, cell);
    }
    return map;
  }

  function element(index: string, texts: Record<string, string>): Y.Map<unknown> {
    const map = new Y.Map<unknown>();
    map.set('index', index);
    for (const [key, value] of Object.entries(texts)) map.set(key, text(value));
    return map;
  }
});

describe('document structure', () => {
  it('walks depth-first in sys:children order', () => {
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['n1', 'n2'], props: { 'prop:title': 'T' } },
      { id: 'n2', flavour: 'affine:note', children: ['d'] },
      { id: 'n1', flavour: 'affine:note', children: ['a', 'c'] },
      { id: 'c', flavour: 'affine:paragraph', props: { 'prop:text': 'c' } },
      { id: 'a', flavour: 'affine:list', children: ['b'], props: { 'prop:text': 'a' } },
      { id: 'b', flavour: 'affine:list', props: { 'prop:text': 'b' } },
      { id: 'd', flavour: 'affine:paragraph', props: { 'prop:text': 'd' } },
    ]);
    const content = readBlockSuiteDocument(doc);
    expect(content.text).toBe('a\nb\nc\nd');
    expect(content.blocks.map((block) => block.id)).toEqual(['page', 'n1', 'a', 'b', 'c', 'n2', 'd']);
    expect(content.blocks[2]).toEqual({ id: 'a', flavour: 'affine:list', text: 'a' });
  });

  it('ignores unreachable blocks', () => {
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['p'], props: { 'prop:title': 'T' } },
      { id: 'p', flavour: 'affine:paragraph', props: { 'prop:text': '[[Reachable]]' } },
      { id: 'orphan', flavour: 'affine:paragraph', children: ['orphan-child'], props: { 'prop:text': '[[Orphan]]' } },
      { id: 'orphan-child', flavour: 'affine:embed-linked-doc', props: { 'prop:pageId': 'x' } },
    ]);
    const content = readBlockSuiteDocument(doc);
    expect(content.wikiLabels).toEqual(['Reachable']);
    expect(content.referencedDocIds).toEqual([]);
    expect(content.blocks.map((block) => block.id)).toEqual(['page', 'p']);
  });

  it('visits each block once despite cycles and repeated children', () => {
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['a', 'page', 'a', 'missing'], props: { 'prop:title': 'T' } },
      { id: 'a', flavour: 'affine:paragraph', children: ['b', 'a'], props: { 'prop:text': 'a [[A]]' } },
      { id: 'b', flavour: 'affine:paragraph', children: ['a', 'page'], props: { 'prop:text': 'b' } },
    ]);
    const content = readBlockSuiteDocument(doc);
    expect(content.text).toBe('a [[A]]\nb');
    expect(content.blocks.map((block) => block.id)).toEqual(['page', 'a', 'b']);
  });

  it('survives a deeply nested chain without recursion', () => {
    const depth = 20_000;
    const specs = Array.from({ length: depth }, (_, i) => ({
      id: `b${i}`,
      flavour: 'affine:paragraph',
      children: [`b${i + 1}`],
      props: { 'prop:text': i === depth - 1 ? '[[Deep]]' : '' },
    }));
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['b0'], props: { 'prop:title': 'T' } },
      ...specs,
    ]);
    expect(labelsOf(doc)).toEqual(['Deep']);
  });

  it('picks the same root on every replica when several page blocks exist', () => {
    const doc = makeDoc([
      { id: 'z-page', flavour: 'affine:page', props: { 'prop:title': 'Z' } },
      { id: 'a-page', flavour: 'affine:page', children: ['nested-page'], props: { 'prop:title': 'A' } },
      { id: 'nested-page', flavour: 'affine:page', props: { 'prop:title': 'Nested' } },
    ]);
    expect(readBlockSuiteDocument(doc).title).toBe('A');
  });

  it("picks the same root whatever the map order when page blocks are each other's children", () => {
    const pageA = { id: 'page-a', flavour: 'affine:page', children: ['page-b', 'pa'], props: { 'prop:title': 'A' } };
    const pageB = { id: 'page-b', flavour: 'affine:page', children: ['page-a', 'pb'], props: { 'prop:title': 'B' } };
    const paragraphs = [
      { id: 'pa', flavour: 'affine:paragraph', props: { 'prop:text': 'under a' } },
      { id: 'pb', flavour: 'affine:paragraph', props: { 'prop:text': 'under b' } },
    ];
    const one = readBlockSuiteDocument(makeDoc([pageA, pageB, ...paragraphs]));
    const other = readBlockSuiteDocument(makeDoc([pageB, pageA, ...paragraphs]));
    expect(one).toEqual(other);
    expect(one.title).toBe('A');
    expect(one.text).toBe('B\nunder b\nunder a');
  });

  it('reads docs that keep deleted blocks in the map', () => {
    const doc = pageWith(['keep [[Kept]]', 'drop [[Dropped]]']);
    doc.transact(() => {
      const blocks = doc.getMap<Y.Map<unknown>>('blocks');
      blocks.delete('p1');
      (blocks.get('note')!.get('sys:children') as Y.Array<string>).delete(1, 1);
    });
    expect(readBlockSuiteDocument(doc)).toMatchObject({ text: 'keep [[Kept]]', wikiLabels: ['Kept'] });
  });
});

describe('purity', () => {
  it('reads without writing to the doc or opening transactions', () => {
    const doc = pageWith([
      '[[A]] text',
      [{ insert: 'x' }, { insert: ' ', attributes: { reference: { type: 'LinkedPage', pageId: 'd' } } }],
    ]);
    const before = Y.encodeStateAsUpdate(doc);
    const events: string[] = [];
    doc.on('beforeTransaction', () => events.push('transaction'));
    doc.on('update', () => events.push('update'));
    readBlockSuiteDocument(doc);
    readBlockSuiteDocument(new Y.Doc());
    expect(events).toEqual([]);
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  });
});

describe('documents that are not BlockSuite-shaped', () => {
  const empty = { title: '', text: '', blocks: [], wikiLabels: [], referencedDocIds: [], blobKeys: [] };

  it('reads an empty doc as empty, without adding a blocks map to it', () => {
    const doc = new Y.Doc();
    expect(readBlockSuiteDocument(doc)).toEqual(empty);
    expect(doc.share.has('blocks')).toBe(false);
  });

  it('reads a doc whose blocks is another type as empty', () => {
    const doc = new Y.Doc();
    doc.getArray('blocks').push(['x']);
    expect(readBlockSuiteDocument(doc)).toEqual(empty);
  });

  it('reads a doc whose blocks arrived untyped in an update', () => {
    const source = new Y.Doc();
    source.getText('blocks').insert(0, 'not a map');
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(source));
    expect(readBlockSuiteDocument(doc)).toEqual(empty);
  });

  it('skips garbage inside the blocks map', () => {
    const doc = new Y.Doc();
    const blocks = doc.getMap<unknown>('blocks');
    doc.transact(() => {
      blocks.set('n', 42);
      blocks.set('s', 'string');
      blocks.set('t', text('[[Loose Text]]'));
      blocks.set('arr', Y.Array.from([1, 2]));
      const weird = new Y.Map<unknown>();
      blocks.set('weird', weird);
      weird.set('sys:flavour', 7);
      weird.set('sys:children', 'not an array');
    });
    expect(readBlockSuiteDocument(doc)).toEqual(empty);
  });

  it('skips wrong types in a page doc and yields what it can', () => {
    const doc = makeDoc([
      { id: 'page', flavour: 'affine:page', children: ['p', 'n', 'card', 'bad-kids'], props: { 'prop:title': 5 } },
      { id: 'p', flavour: 'affine:paragraph', props: { 'prop:text': '[[Fine]]' } },
      { id: 'n', flavour: 'affine:note', props: { 'prop:text': 12, 'prop:cells': null } },
      { id: 'card', flavour: 'affine:embed-linked-doc', props: { 'prop:pageId': 99 } },
      { id: 'bad-kids', flavour: 'affine:database', props: { 'prop:cells': new Y.Map(), 'prop:columns': 3 } },
    ]);
    doc.transact(() => {
      const blocks = doc.getMap<Y.Map<unknown>>('blocks');
      blocks.get('bad-kids')?.set('sys:children', Y.Array.from([1, null, 'p', { id: 'x' }]));
      (blocks.get('bad-kids')!.get('prop:cells') as Y.Map<unknown>).set('p', 'not a row');
    });
    const content = readBlockSuiteDocument(doc);
    expect(content).toMatchObject({ title: '', text: '[[Fine]]', wikiLabels: ['Fine'], referencedDocIds: [] });
  });

  it('reads a doc without a page block as empty', () => {
    const doc = makeDoc([{ id: 'p', flavour: 'affine:paragraph', props: { 'prop:text': '[[No Root]]' } }]);
    expect(readBlockSuiteDocument(doc)).toEqual(empty);
  });
});
