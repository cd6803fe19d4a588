import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { notes } from '../../src/db/schema/index.ts';
import { mergeStoredState } from '../../src/domain/documents/document-state.ts';
import type { TestServer } from '../helpers/server.ts';

/** The note behind a document name, read straight from the server's database. */
export async function noteOf(server: TestServer, documentName: string) {
  const [note] = await server.server.services.db.select().from(notes).where(eq(notes.blocksuite_doc_id, documentName));
  return note;
}

/** What the database holds for a note (stored state + log), exactly as bytes. */
export async function storedBytes(server: TestServer, noteId: string) {
  const state = await server.server.services.documents.loadState(noteId);
  return {
    stored: state?.stored ? Buffer.from(state.stored).toString('hex') : null,
    log: state?.log.map((entry) => Buffer.from(entry.update).toString('hex')) ?? [],
  };
}

/** The text a fresh load of the note would show. */
export async function storedText(server: TestServer, noteId: string, field = 'text'): Promise<string> {
  const state = await server.server.services.documents.loadState(noteId);
  if (!state) return '';
  const doc = new Y.Doc();
  Y.applyUpdate(doc, mergeStoredState(state));
  return doc.getText(field).toString();
}

/** An update that appends `text` to a document currently holding `base`. */
export function updateAppending(base: Uint8Array | null, text: string, field = 'text'): Uint8Array {
  const doc = new Y.Doc();
  if (base) Y.applyUpdate(doc, base);
  const before = Y.encodeStateVector(doc);
  doc.getText(field).insert(doc.getText(field).length, text);
  return Y.encodeStateAsUpdate(doc, before);
}

/** What one `pushMaps` costs (update-cost.ts): one item and 1900 values. */
export const PUSH_COST = 1901;

/**
 * Memory bounds a few `pushMaps` fill: one update holds one push, one document two, the process
 * three (docs/security.md, "Memory budget").
 */
export const SMALL_MEMORY_BUDGET = {
  MAX_UPDATE_STRUCTS: '2000',
  MAX_DOCUMENT_STRUCTS: '5000',
  MAX_LIVE_STRUCTS: '6000',
};

/** SMALL_MEMORY_BUDGET for tests where one user fills it: their share is the whole budget. */
export const SMALL_MEMORY_BUDGET_ONE_USER = { ...SMALL_MEMORY_BUDGET, MAX_USER_LIVE_STRUCTS: '6000' };

/** Pushes 1900 empty maps into the root array `items`: a cheap way to fill a memory budget. */
export function pushMaps(doc: Y.Doc): void {
  const items = doc.getArray('items');
  doc.transact(() => items.push(Array.from({ length: 1900 }, () => ({}))));
}
