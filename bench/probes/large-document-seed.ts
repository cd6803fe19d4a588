// The starting point both store probes share: a note whose stored state is a large BlockSuite page,
// compacted, and a Y.Doc loaded from it and marked as the server marks a document it loads.
import * as Y from 'yjs';
import type { Db } from '../../src/db/client.ts';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { compactDocument } from '../../src/domain/documents/compaction.ts';
import { applyStoredState } from '../../src/domain/documents/document-state.ts';
import { markStoredState, md5Hex } from '../../src/domain/documents/stored-state-marks.ts';
import { appendUpdates, loadDocumentState } from '../../src/domain/documents/update-log.ts';
import { insertNote, insertUser } from '../../test/domain/documents/fixtures.ts';
import { paragraphsWithLinks } from '../store-derivatives.ts';

export async function seedLoadedLargeDocument(db: Db, blocks: number) {
  const owner = await insertUser(db);
  const note = await insertNote(db, owner);
  const page = buildBlockSuiteDocument(`Large ${blocks}`, paragraphsWithLinks(blocks).lines);
  await appendUpdates(db, note.id, [Y.encodeStateAsUpdate(page)]);
  await compactDocument(db, note.id);
  const state = await loadDocumentState(db, note.id);
  if (!state?.version) throw new Error('the seeded note has no stored state');
  const doc = new Y.Doc();
  applyStoredState(doc, state);
  markStoredState(doc, { rowVersion: state.version, docMd5: md5Hex(state.stored) });
  return { owner, note, doc, stored: state.stored };
}
