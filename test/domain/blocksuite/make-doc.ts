import * as Y from 'yjs';

/** A text prop (`prop:text` / `prop:title`) given as plain string or as delta ops (for formatting and references). */
export type TextSpec = string | Array<{ insert: string; attributes?: Record<string, unknown> }>;

export type BlockSpec = {
  id: string;
  flavour: string;
  children?: string[];
  props?: Record<string, TextSpec | number | boolean | null | Y.Map<unknown> | Y.Array<unknown> | Y.Text>;
};

const TEXT_PROPS = new Set(['prop:text', 'prop:title']);

/** Writes raw blocks into a doc, to build shapes (cycles, orphans, odd types) BlockSuite would not. */
export function makeDoc(blocks: BlockSpec[]): Y.Doc {
  const doc = new Y.Doc();
  const map = doc.getMap<Y.Map<unknown>>('blocks');
  doc.transact(() => {
    for (const spec of blocks) {
      const block = new Y.Map<unknown>();
      map.set(spec.id, block);
      block.set('sys:id', spec.id);
      block.set('sys:flavour', spec.flavour);
      block.set('sys:version', 1);
      block.set('sys:children', Y.Array.from(spec.children ?? []));
      for (const [key, value] of Object.entries(spec.props ?? {})) {
        block.set(
          key,
          TEXT_PROPS.has(key) && (typeof value === 'string' || Array.isArray(value)) ? text(value) : value,
        );
      }
    }
  });
  return doc;
}

export function text(spec: TextSpec): Y.Text {
  const ytext = new Y.Text();
  if (typeof spec === 'string') ytext.insert(0, spec);
  else ytext.applyDelta(spec);
  return ytext;
}

/** page → note → one paragraph per text. */
export function pageWith(paragraphs: TextSpec[], flavour = 'affine:paragraph'): Y.Doc {
  const ids = paragraphs.map((_, i) => `p${i}`);
  return makeDoc([
    { id: 'page', flavour: 'affine:page', children: ['note'], props: { 'prop:title': 'Title' } },
    { id: 'note', flavour: 'affine:note', children: ids },
    ...paragraphs.map((spec, i) => ({ id: ids[i] as string, flavour, props: { 'prop:text': spec } })),
  ]);
}
