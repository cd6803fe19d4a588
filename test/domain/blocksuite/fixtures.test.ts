import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBlockSuiteDocument } from '../../../src/domain/blocksuite/index.ts';

const FIXTURES = new URL('../../fixtures/blocksuite/', import.meta.url);

type Expected = {
  name: string;
  title: string;
  plainText: string;
  wikiLinks: string[];
  linkedDocIds: string[];
  notExpected?: string[];
  policyDependent?: Array<{ label: string }>;
  databaseCellTexts?: string[];
};

function fixtureNames(dir: URL): Array<{ dir: URL; name: string }> {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.expected.json') && !file.startsWith('_'))
    .map((file) => ({ dir, name: file.slice(0, -'.expected.json'.length) }));
}

function loadDoc(...files: URL[]): Y.Doc {
  const doc = new Y.Doc();
  for (const file of files) Y.applyUpdate(doc, readFileSync(file));
  return doc;
}

const fixtures = [...fixtureNames(FIXTURES), ...fixtureNames(new URL('v022/', FIXTURES))];

describe('BlockSuite fixtures', () => {
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(11);
  });

  for (const { dir, name } of fixtures) {
    it(name, () => {
      const expected = JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), 'utf8')) as Expected;
      const content = readBlockSuiteDocument(loadDoc(new URL(`${name}.ydoc.bin`, dir)));

      expect(content.title).toBe(expected.title);
      expect(content.text).toBe(expected.plainText);
      expect(content.wikiLabels).toEqual(expected.wikiLinks);
      expect(content.referencedDocIds).toEqual(expected.linkedDocIds);
      for (const label of expected.notExpected ?? []) expect(content.wikiLabels).not.toContain(label);
      for (const { label } of expected.policyDependent ?? []) expect(content.wikiLabels).not.toContain(label);
      for (const cell of expected.databaseCellTexts ?? []) expect(content.text).not.toContain(cell);

      expect(content.blocks[0]?.flavour).toBe('affine:page');
      expect(content.blocks[0]?.text).toBe(expected.title);
      const blockLines = content.blocks
        .slice(1)
        .map((block) => block.text)
        .filter((text) => text !== '');
      expect(blockLines.join('\n')).toBe(content.text);
    });
  }

  it('workspace root docs hold no page content', () => {
    for (const file of ['_workspace-root.ydoc.bin', 'v022/_workspace-root.ydoc.bin']) {
      const doc = loadDoc(new URL(file, FIXTURES));
      expect(readBlockSuiteDocument(doc)).toEqual({
        title: '',
        text: '',
        blocks: [],
        wikiLabels: [],
        referencedDocIds: [],
        blobKeys: [],
      });
    }
  });
});

describe('09-concurrent-merge', () => {
  const file = (suffix: string) => new URL(`09-concurrent-merge.${suffix}`, FIXTURES);
  const expected = readBlockSuiteDocument(loadDoc(file('ydoc.bin')));

  it('gives the same content in every apply order', () => {
    const orders = [
      ['base.bin', 'update-a.bin', 'update-b.bin'],
      ['base.bin', 'update-b.bin', 'update-a.bin'],
      ['update-b.bin', 'update-a.bin', 'base.bin'],
      ['merged-updates.bin'],
    ];
    for (const order of orders) {
      expect(readBlockSuiteDocument(loadDoc(...order.map(file))), order.join(' + ')).toEqual(expected);
    }
  });

  it('gives the same content from Y.mergeUpdates', () => {
    const merged = Y.mergeUpdates(['base.bin', 'update-a.bin', 'update-b.bin'].map((name) => readFileSync(file(name))));
    const doc = new Y.Doc();
    Y.applyUpdate(doc, merged);
    expect(readBlockSuiteDocument(doc)).toEqual(expected);
  });

  it('base alone does not have the concurrent additions', () => {
    const base = readBlockSuiteDocument(loadDoc(file('base.bin')));
    expect(base.wikiLabels).not.toContain('Alpha Link');
    expect(base.wikiLabels).not.toContain('Beta Link');
  });
});
