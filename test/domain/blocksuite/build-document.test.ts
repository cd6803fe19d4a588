import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  buildBlockSuiteDocument,
  createBlockId,
  readBlockSuiteDocument,
} from '../../../src/domain/blocksuite/index.ts';

function roundTrip(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc({ guid: doc.guid });
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

describe('buildBlockSuiteDocument', () => {
  it('round-trips title and lines through an encoded update', () => {
    const lines = ['First line with [[Project Apollo]]', '', 'Third [[Mission Control|MC]] line', 'Ünïcödé 🚀'];
    const doc = roundTrip(buildBlockSuiteDocument('Legacy Note', lines, { guid: 'legacy-1' }));
    const content = readBlockSuiteDocument(doc);

    expect(doc.guid).toBe('legacy-1');
    expect(content.title).toBe('Legacy Note');
    expect(content.text).toBe(lines.filter((line) => line !== '').join('\n'));
    expect(content.wikiLabels).toEqual(['Project Apollo', 'Mission Control']);
    expect(content.blocks.map((block) => block.flavour)).toEqual([
      'affine:page',
      'affine:surface',
      'affine:note',
      'affine:paragraph',
      'affine:paragraph',
      'affine:paragraph',
      'affine:paragraph',
    ]);
    expect(content.blocks.slice(3).map((block) => block.text)).toEqual(lines);
  });

  it('lays blocks out as BlockSuite does', () => {
    const doc = buildBlockSuiteDocument('T', ['p']);
    expect(Array.from(doc.share.keys())).toEqual(['blocks']);
    const blocks = doc.getMap<Y.Map<unknown>>('blocks');
    const byFlavour = new Map(Array.from(blocks.values()).map((block) => [block.get('sys:flavour'), block]));

    for (const [id, block] of blocks.entries()) {
      expect(block.get('sys:id')).toBe(id);
      expect(id).toMatch(/^[A-Za-z0-9_-]{10}$/);
      expect(block.get('sys:children')).toBeInstanceOf(Y.Array);
      for (const key of block.keys()) expect(key).toMatch(/^(sys:(id|flavour|version|children)|prop:.+)$/);
    }
    expect(byFlavour.get('affine:page')?.get('sys:version')).toBe(2);
    expect(byFlavour.get('affine:page')?.get('prop:title')).toBeInstanceOf(Y.Text);
    expect(byFlavour.get('affine:surface')?.get('sys:version')).toBe(5);
    expect((byFlavour.get('affine:surface')!.get('prop:elements') as Y.Map<unknown>).toJSON()).toEqual({
      type: '$blocksuite:internal:native$',
      value: {},
    });
    expect(byFlavour.get('affine:note')?.get('prop:displayMode')).toBe('both');
    const paragraph = byFlavour.get('affine:paragraph');
    expect(paragraph?.get('sys:version')).toBe(1);
    expect(paragraph?.get('prop:type')).toBe('text');
    expect(paragraph?.get('prop:text')).toBeInstanceOf(Y.Text);
    expect(paragraph?.get('prop:collapsed')).toBe(false);
  });

  it('gives a doc without lines one empty paragraph, like a new doc in the editor', () => {
    const content = readBlockSuiteDocument(roundTrip(buildBlockSuiteDocument('Empty', [])));
    expect(content.title).toBe('Empty');
    expect(content.text).toBe('');
    expect(content.blocks.map((block) => block.flavour)).toEqual([
      'affine:page',
      'affine:surface',
      'affine:note',
      'affine:paragraph',
    ]);
  });

  it('uses a given id generator', () => {
    let n = 0;
    const doc = buildBlockSuiteDocument('T', ['a'], { createId: () => `id${n++}` });
    expect(readBlockSuiteDocument(doc).blocks.map((block) => block.id)).toEqual(['id0', 'id1', 'id2', 'id3']);
  });

  it('makes distinct nanoid-shaped ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, createBlockId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{10}$/);
  });
});
