import * as Y from 'yjs';

export type BuildDocumentOptions = {
  /** The Y.Doc guid, i.e. the document name a provider uses (the note's `blocksuite_doc_id`). */
  guid?: string;
  /** Block id generator; defaults to BlockSuite-shaped random ids. */
  createId?: () => string;
};

const NANOID_ALPHABET = 'ModuleSymbhasOwnPr-0123456789ABCDEFGHNRVfgctiUvz_KqYTJkLxpZXIjQW';
const NANOID_SIZE = 10;

/**
 * A page doc laid out as BlockSuite 0.19's `createDefaultDoc` does (docs/formats/blocksuite-yjs-layout.md §2–3): page →
 * surface + note → one `text` paragraph per entry. No paragraphs gives one empty paragraph,
 * as a new doc in the editor has.
 */
export function buildBlockSuiteDocument(
  title: string,
  paragraphs: readonly string[],
  options: BuildDocumentOptions = {},
): Y.Doc {
  const doc = options.guid === undefined ? new Y.Doc() : new Y.Doc({ guid: options.guid });
  fillBlockSuiteDocument(doc, title, paragraphs, options.createId);
  return doc;
}

/** Writes the document into `doc`, which should be empty, in one transaction. */
export function fillBlockSuiteDocument(
  doc: Y.Doc,
  title: string,
  paragraphs: readonly string[],
  createId: () => string = createBlockId,
): void {
  doc.transact(() => {
    const blocks = doc.getMap<Y.Map<unknown>>('blocks');
    const pageId = createId();
    const surfaceId = createId();
    const noteId = createId();
    const lines = paragraphs.length > 0 ? paragraphs : [''];
    const paragraphIds = lines.map(() => createId());

    blocks.set(pageId, block(pageId, 'affine:page', 2, [surfaceId, noteId], { 'prop:title': new Y.Text(title) }));
    blocks.set(surfaceId, block(surfaceId, 'affine:surface', 5, [], { 'prop:elements': boxed(new Y.Map()) }));
    blocks.set(noteId, block(noteId, 'affine:note', 1, paragraphIds, noteProps()));
    lines.forEach((line, i) => {
      const id = paragraphIds[i] as string;
      blocks.set(
        id,
        block(id, 'affine:paragraph', 1, [], {
          'prop:type': 'text',
          'prop:text': new Y.Text(line),
          'prop:collapsed': false,
        }),
      );
    });
  });
}

/** nanoid(10) with nanoid's own url-safe alphabet: ids look like the ones BlockSuite makes. */
export function createBlockId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(NANOID_SIZE));
  let id = '';
  for (const byte of bytes) id += NANOID_ALPHABET[byte & 63];
  return id;
}

function block(
  id: string,
  flavour: string,
  version: number,
  children: string[],
  props: Record<string, unknown>,
): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set('sys:id', id);
  map.set('sys:flavour', flavour);
  map.set('sys:version', version);
  map.set('sys:children', Y.Array.from(children));
  for (const [key, value] of Object.entries(props)) map.set(key, value);
  return map;
}

function boxed(value: unknown): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set('type', '$blocksuite:internal:native$');
  map.set('value', value);
  return map;
}

// The values `createDefaultDoc` stores for a new note in 0.19.5 (see fixture 10).
function noteProps(): Record<string, unknown> {
  const style = new Y.Map<unknown>();
  style.set('borderRadius', 8);
  style.set('borderSize', 4);
  style.set('borderStyle', 'none');
  style.set('shadowType', '--affine-note-shadow-box');
  const edgeless = new Y.Map<unknown>();
  edgeless.set('style', style);
  return {
    'prop:xywh': '[0,0,498,92]',
    'prop:background': '--affine-note-background-white',
    'prop:index': 'a0',
    'prop:lockedBySelf': false,
    'prop:hidden': false,
    'prop:displayMode': 'both',
    'prop:edgeless': edgeless,
  };
}

/** An image or attachment block to add: its bytes are the blob `sourceId` (docs/blobs.md). */
export type BlobBlock =
  | { flavour: 'affine:image'; sourceId: string; caption?: string }
  | { flavour: 'affine:attachment'; sourceId: string; name: string; size: number; type: string };

/**
 * Appends image and attachment blocks at the end of the page's last note, with the props BlockSuite
 * 0.19 gives them by default (`ImageBlockSchema`, `AttachmentBlockSchema`), in one transaction.
 * A document without a page and a note is left as it is; answers how many blocks were added.
 */
export function appendBlobBlocks(
  doc: Y.Doc,
  items: readonly BlobBlock[],
  createId: () => string = createBlockId,
): number {
  const blocks = doc.getMap<Y.Map<unknown>>('blocks');
  const page = [...blocks.values()].find(
    (entry) => entry instanceof Y.Map && entry.get('sys:flavour') === 'affine:page',
  );
  const pageChildren = page?.get('sys:children');
  if (!(pageChildren instanceof Y.Array)) return 0;
  const noteId = [...pageChildren.toArray()]
    .reverse()
    .find((id) => typeof id === 'string' && blocks.get(id)?.get('sys:flavour') === 'affine:note');
  const noteChildren = typeof noteId === 'string' ? blocks.get(noteId)?.get('sys:children') : undefined;
  if (!(noteChildren instanceof Y.Array) || items.length === 0) return 0;
  doc.transact(() => {
    const ids: string[] = [];
    for (const item of items) {
      const id = createId();
      ids.push(id);
      const common = { 'prop:sourceId': item.sourceId, 'prop:index': 'a0', 'prop:xywh': '[0,0,0,0]', 'prop:rotate': 0 };
      blocks.set(
        id,
        item.flavour === 'affine:image'
          ? block(id, item.flavour, 1, [], {
              ...common,
              'prop:caption': item.caption ?? '',
              'prop:width': 0,
              'prop:height': 0,
              'prop:size': -1,
            })
          : block(id, item.flavour, 1, [], {
              ...common,
              'prop:name': item.name,
              'prop:size': item.size,
              'prop:type': item.type,
              'prop:embed': false,
              'prop:style': 'horizontalThin',
            }),
      );
    }
    noteChildren.push(ids);
  });
  return items.length;
}
