// Edits a test makes to a BlockSuite document through a provider's Y.Doc: the page title and
// the text of the paragraphs, read back the way the server's reader sees them.
import * as Y from 'yjs';
import { readBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';

function blockOf(doc: Y.Doc, flavour: string): Y.Map<unknown> | undefined {
  const blocks = doc.getMap<Y.Map<unknown>>('blocks');
  return [...blocks.values()].find((block) => block.get('sys:flavour') === flavour);
}

export function setTitle(doc: Y.Doc, title: string): void {
  const text = blockOf(doc, 'affine:page')?.get('prop:title') as Y.Text;
  doc.transact(() => {
    text.delete(0, text.length);
    text.insert(0, title);
  });
}

/** Replaces the first paragraph's text. */
export function setFirstParagraph(doc: Y.Doc, value: string): void {
  const blocks = doc.getMap<Y.Map<unknown>>('blocks');
  const children = blockOf(doc, 'affine:note')?.get('sys:children') as Y.Array<string>;
  const text = blocks.get(children.get(0))?.get('prop:text') as Y.Text;
  doc.transact(() => {
    text.delete(0, text.length);
    text.insert(0, value);
  });
}

export function contentOf(doc: Y.Doc): { title: string; text: string } {
  const content = readBlockSuiteDocument(doc);
  return { title: content.title, text: content.text };
}

export function contentOfState(state: Uint8Array): { title: string; text: string } {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return contentOf(doc);
  } finally {
    doc.destroy();
  }
}
