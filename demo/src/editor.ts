// The stock BlockSuite 0.19 editor (AffineEditorContainer) with each page's own Y.Doc — the
// `spaceDoc` whose only top-level type is `blocks` (docs/formats/blocksuite-yjs-layout.md §1.2) — bound to
// the server's /collab endpoint. The workspace root doc (`meta`, `spaces`) stays in the browser: it
// only carries the doc list, which we fill from the REST notes list so the `[[` picker finds them.
import { effects as blocksEffects } from '@blocksuite/blocks/effects';
import { AffineSchemas, RefNodeSlotsProvider } from '@blocksuite/blocks';
import { effects as presetsEffects } from '@blocksuite/presets/effects';
import { AffineEditorContainer } from '@blocksuite/presets';
import { DocCollection, Schema, Text, type Doc } from '@blocksuite/store';
import { HocuspocusProvider } from '@hocuspocus/provider';
import '@toeverything/theme/style.css';
import { freshAccessToken, type Note } from './api.ts';
import { serverBlobSource } from './blob-source.ts';

blocksEffects();
presetsEffects();

const schema = new Schema().register(AffineSchemas);

export function collabUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/collab`;
}

export interface OpenedEditor {
  editor: AffineEditorContainer;
  provider: HocuspocusProvider;
  doc: Doc;
  collection: DocCollection;
  /** Adds or renames notes in the workspace doc list (what the linked-doc picker shows). */
  registerNotes(notes: Note[]): void;
  destroy(): void;
}

export interface OpenOptions {
  docId: string;
  /** Title for the page block when the document is still empty (a note made by REST). */
  initialTitle: string;
  notes: Note[];
  /** Called with the provider before the first sync, so the sync indicator sees every state. */
  onProvider(provider: HocuspocusProvider): void;
  /** A reference in the text was clicked. */
  onOpenDoc(docId: string): void;
  /** The picker's "Create … doc" made a new doc; it has been pushed to the server. */
  onDocCreatedRemotely(docId: string): void;
  /**
   * Aborted when another note is opened meanwhile: nothing is mounted then. Mounting a stale editor
   * and tearing it down at once leaves BlockSuite's event handlers on a dead host, and keystrokes
   * typed into it are lost when the current editor replaces it.
   */
  signal: AbortSignal;
}

function makeProvider(docId: string, document: Doc['spaceDoc']): HocuspocusProvider {
  return new HocuspocusProvider({
    url: collabUrl(),
    name: docId,
    document,
    // A function, so a reconnect after an hour still sends a valid (refreshed) access token.
    token: () => freshAccessToken(),
  });
}

/** Waits for the first sync; rejects when the server refuses the document or the open is abandoned. */
function firstSync(provider: HocuspocusProvider, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException('superseded', 'AbortError'));
    if (provider.synced) return resolve();
    provider.on('synced', () => resolve());
    provider.on('authenticationFailed', ({ reason }: { reason: string }) => reject(new Error(reason || 'refused')));
    signal.addEventListener('abort', () => reject(new DOMException('superseded', 'AbortError')), { once: true });
  });
}

function addInitialBlocks(doc: Doc, title: string): void {
  const pageId = doc.addBlock('affine:page', { title: new Text(title) });
  doc.addBlock('affine:surface', {}, pageId);
  const noteId = doc.addBlock('affine:note', {}, pageId);
  doc.addBlock('affine:paragraph', {}, noteId);
  doc.resetHistory();
}

export async function openEditor(host: HTMLElement, options: OpenOptions): Promise<OpenedEditor> {
  // Blobs (pasted images, attachments) live on the server, so every device and every reload sees them.
  const collection = new DocCollection({ schema, id: 'framelord-demo', blobSources: { main: serverBlobSource() } });
  collection.meta.initialize();

  const knownDocIds = new Set<string>();
  const registerNotes = (notes: Note[]) => {
    for (const note of notes) {
      const title = note.title ?? '';
      knownDocIds.add(note.blocksuite_doc_id);
      const meta = collection.meta.getDocMeta(note.blocksuite_doc_id);
      if (!meta) collection.meta.addDocMeta({ id: note.blocksuite_doc_id, title, createDate: Date.now(), tags: [] });
      // The open doc's title is kept by the editor itself; others follow the server once it has
      // one (a doc the picker just created is titled here before the server has stored it).
      else if (title && meta.title !== title && note.blocksuite_doc_id !== options.docId)
        collection.meta.setDocMeta(note.blocksuite_doc_id, { title });
    }
  };
  registerNotes(options.notes);
  knownDocIds.add(options.docId);
  const doc = collection.getDoc(options.docId) ?? collection.createDoc({ id: options.docId });

  // Docs the picker creates ("Create … doc") exist only here until a provider carries them to the
  // server, whose first connection under a new name creates the note.
  const sideProviders = new Set<HocuspocusProvider>();
  const created = collection.slots.docCreated.on((docId) => {
    if (knownDocIds.has(docId)) return;
    knownDocIds.add(docId);
    const spaceDoc = collection.getBlockCollection(docId)?.spaceDoc;
    if (!spaceDoc) return;
    const side = makeProvider(docId, spaceDoc);
    sideProviders.add(side);
    side.on('unsyncedChanges', ({ number }: { number: number }) => {
      if (number === 0 && side.synced) {
        options.onDocCreatedRemotely(docId);
        setTimeout(() => {
          side.destroy();
          sideProviders.delete(side);
        }, 1000);
      }
    });
  });

  const provider = makeProvider(options.docId, doc.spaceDoc);
  options.onProvider(provider);
  // The provider backs off up to 30 s between attempts; coming back online should not wait that long.
  const reconnect = () => void provider.connect();
  window.addEventListener('online', reconnect);
  try {
    // Only after the server's state is in may we decide whether the page is new: initialising
    // earlier would give a second root block to a document that already has one.
    await firstSync(provider, options.signal);
    if (options.signal.aborted) throw new DOMException('superseded', 'AbortError');
  } catch (error) {
    created.dispose();
    window.removeEventListener('online', reconnect);
    provider.destroy();
    for (const side of sideProviders) side.destroy();
    collection.dispose();
    throw error;
  }
  doc.load();
  if (!doc.root) addInitialBlocks(doc, options.initialTitle);

  const editor = new AffineEditorContainer();
  editor.doc = doc;
  host.replaceChildren(editor);

  const refClicks = (() => {
    try {
      return editor.std.get(RefNodeSlotsProvider).docLinkClicked.on(({ pageId }) => options.onOpenDoc(pageId));
    } catch {
      return null;
    }
  })();

  return {
    editor,
    provider,
    doc,
    collection,
    registerNotes,
    destroy() {
      refClicks?.dispose();
      created.dispose();
      window.removeEventListener('online', reconnect);
      provider.destroy();
      for (const side of sideProviders) side.destroy();
      editor.remove();
      collection.dispose();
    },
  };
}
