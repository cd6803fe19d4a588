// Import of a FrameLord browser-app export for one user (docs/formats/framelord-export.md): validate the whole
// file, then in ONE transaction map ids, compare, write what differs, turn new notes' legacy
// content into BlockSuite documents and extract their links and topics with the live server's
// code. Any failure leaves nothing written; a dry run does everything and rolls it back.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Db, Tx } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import { folders, notes } from '../../db/schema/index.ts';
import { appendBlobBlocks, buildBlockSuiteDocument } from '../blocksuite/build-document.ts';
import type { BlobService } from '../blobs/blob-service.ts';
import { collectNoteAttachments, type NoteAttachments, storeNoteAttachments } from './note-attachments.ts';
import { loadAccount } from '../auth/accounts.ts';
import { notFound } from '../errors.ts';
import { recordImportVersions, type VersionPolicy } from '../history/version-store.ts';
import { ensureTopics, updateNoteFromDocument } from '../notes/document-derivatives.ts';
import { recordChanges } from '../change-feed.ts';
import { takeDecodeCost } from '../documents/decode-budget.ts';
import { storedCost } from '../documents/update-cost.ts';
import { restoreFirstVersions } from '../versioning.ts';
import { STORE_KEYS, type FrameLordExport, type StoreKey } from './export-format.ts';
import { childSourceId, loadIdAllocator, saveMappings, type MappedStore } from './id-map.ts';
import { parseFrameLordExport } from './parse-export.ts';
import { buildImportPlan, type ImportAccount, type PlannedNote, type PlannedTopic } from './plan.ts';
import { createTally, type ImportSummary, type ImportTally } from './summary.ts';
import { type ImportWrite, writeEntities } from './write-entities.ts';

export interface ImportProgress {
  /** The store of the file (or `documents` for the notes' BlockSuite documents). */
  store: StoreKey | 'documents';
  done: number;
  total: number;
}

export interface ImportOptions {
  /** Where the notes' legacy attachments are stored (docs/blobs.md). */
  blobs: BlobService;
  /** Do everything, report it, and roll it back. */
  dryRun?: boolean;
  onProgress?: (event: ImportProgress) => void;
  /**
   * Version history (docs/history-and-trash.md): each document the import creates is kept as a
   * version of source `import`, naming the import. None without (or with HISTORY off).
   */
  history?: VersionPolicy;
  /** The signed-in device running the import, which those versions name. */
  sessionId?: string | null;
}

/** Warnings kept in a summary; a file of thousands of dangling references would flood it. */
const MAX_WARNINGS = 500;

class DryRunRollback extends Error {
  readonly summary: ImportSummary;
  constructor(summary: ImportSummary) {
    super('dry run: rolled back');
    this.summary = summary;
  }
}

export async function importFrameLordExport(
  db: Db,
  userId: string,
  input: unknown,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now();
  // Names this run in the versions it takes and in its summary.
  const importId = randomUUID();
  const file = parseFrameLordExport(input);
  const records = Object.fromEntries(STORE_KEYS.map((store) => [store, file[store].length]));
  const owner = { userId };
  const attachments = collectNoteAttachments(file);
  const newBlobs = await options.blobs.checkRoom(
    owner,
    attachments.uploads.map((upload) => ({ key: upload.key, size: upload.bytes.length })),
  );
  try {
    const summary = await db.transaction(async (tx) => {
      const summary = await runImport(tx, userId, file, options, attachments, newBlobs.size, importId);
      const result: ImportSummary = {
        import_id: importId,
        ...summary,
        records,
        dry_run: options.dryRun === true,
        duration_ms: Math.round(performance.now() - started),
      };
      if (options.dryRun) throw new DryRunRollback(result);
      return result;
    });
    // After the commit: the notes' documents already name these keys, and a re-run stores any
    // that a crash here left out (a PUT of a key one has is a no-op).
    await storeNoteAttachments(options.blobs, owner, attachments.uploads);
    return summary;
  } catch (error) {
    if (error instanceof DryRunRollback)
      return { ...error.summary, duration_ms: Math.round(performance.now() - started) };
    throw error;
  }
}

async function runImport(
  tx: Tx,
  userId: string,
  file: FrameLordExport,
  options: ImportOptions,
  attachments: NoteAttachments,
  newBlobs: number,
  importId: string,
): Promise<Pick<ImportSummary, 'tables' | 'warnings'>> {
  // Two imports of one user at once would both map the same new app ids.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`framelord-import:${userId}`}, 0))`);
  const account = await loadImportAccount(tx, userId);
  const ids = await loadIdAllocator(tx, userId, sourceIdsByStore(file));
  const now = new Date();
  const plan = buildImportPlan({
    file,
    account,
    ids,
    takenDocIds: await loadTakenDocIds(tx, file),
    now,
    blobBlocks: attachments.blocksByNote,
  });
  const progress = (store: ImportProgress['store'], done: number, total = done) =>
    options.onProgress?.({ store, done, total });
  const tally = createTally();
  Object.assign(tally.table('blobs'), { added: newBlobs, unchanged: attachments.uploads.length - newBlobs });
  const auth = { userId, contactZeroId: account.contactZeroId, email: account.email, sessionId: 'import' };
  const write: ImportWrite = { tx, auth, now, tally, changes: [] };
  const derivedBefore = await countDerivedRows(tx, userId);

  await writeEntities(write, 'contact', plan.contacts);
  progress('framelord_contacts', file.framelord_contacts.length);
  await writeEntities(write, 'folder', plan.folders);
  progress('folders', file.folders.length);

  const documents = new Map<string, Y.Doc>();
  const states = new Map<string, Uint8Array>();
  // Every new note's document is held until its derived data is written, so they count in the
  // memory budget together (decode-budget.ts): past it, the import is refused (503) and nothing is written.
  const releases: Array<() => void> = [];
  try {
    await writeEntities(write, 'note', plan.notes, (entity) => {
      const note = entity as PlannedNote;
      const doc = buildBlockSuiteDocument(note.docTitle, note.lines, { guid: note.blocksuiteDocId });
      documents.set(note.id, doc);
      appendBlobBlocks(doc, note.blobBlocks);
      const state = Y.encodeStateAsUpdate(doc);
      releases.push(takeDecodeCost(storedCost([state])));
      states.set(note.id, state);
      return { blocksuite_doc_id: note.blocksuiteDocId, blocksuite_doc: state };
    });
    progress('framelord_notes', file.framelord_notes.length);
    await writeTopics(write, plan.topics);
    progress('topics', file.topics.length);
    await extractDocuments(write, plan.notes, documents, progress);
  } finally {
    for (const doc of documents.values()) doc.destroy();
    for (const release of releases) release();
  }
  // Only documents it created: an import never replaces the document of a note that exists
  // (`insertOnly` and the create-only values above; docs/history-and-trash.md).
  if (options.history)
    await recordCreatedDocuments(tx, userId, states, options.history, {
      importId,
      sessionId: options.sessionId ?? null,
    });

  await writeEntities(write, 'task', plan.tasks);
  progress('framelord_tasks', file.framelord_tasks.length);
  await writeEntities(write, 'interaction', plan.interactions);
  progress('interactions', file.interactions.length);
  await writeEntities(write, 'group', plan.groups);
  progress('groups', file.groups.length);
  progress('groupMemberships', file.groupMemberships.length);
  await writeEntities(write, 'project', plan.projects);
  progress('projects', file.projects.length);
  progress('projectSections', file.projectSections.length);
  progress('projectTaskLinks', file.projectTaskLinks.length);
  await writeEntities(write, 'pipeline_template', plan.pipelineTemplates);
  progress('pipelineTemplates', file.pipelineTemplates.length);
  await writeEntities(write, 'pipeline_item', plan.pipelineItems);
  progress('pipelineItems', file.pipelineItems.length);

  await saveMappings(tx, userId, ids.newMappings());
  tallyDerivedRows(tally, derivedBefore, await countDerivedRows(tx, userId));
  // Last statement: the change counter's row lock is then held only until commit.
  await recordChanges(tx, userId, write.changes);

  const warnings =
    plan.warnings.length <= MAX_WARNINGS
      ? plan.warnings
      : [...plan.warnings.slice(0, MAX_WARNINGS), `… and ${plan.warnings.length - MAX_WARNINGS} more warnings`];
  return { tables: tally.rows(), warnings };
}

async function loadImportAccount(tx: Tx, userId: string): Promise<ImportAccount> {
  const account = await loadAccount(tx, userId);
  if (!account) throw notFound('User');
  const defaultFolders = await tx
    .select({ id: folders.id, name: folders.name, sort_order: folders.sort_order })
    .from(folders)
    .where(and(eq(folders.user_id, userId), eq(folders.is_default, true)));
  return { userId, contactZeroId: account.contactZero.id, email: account.user.email, defaultFolders };
}

/** The file's ids per id-map store (a UUID among them may name a row the user already has). */
function sourceIdsByStore(file: FrameLordExport): Map<MappedStore, string[]> {
  return new Map<MappedStore, string[]>([
    ['contacts', file.framelord_contacts.map((record) => record.id)],
    ['folders', file.folders.map((record) => record.id)],
    ['notes', file.framelord_notes.map((record) => record.id)],
    ['tasks', file.framelord_tasks.map((record) => record.id)],
    ['interactions', file.interactions.map((record) => record.id)],
    [
      'interaction_attachments',
      file.interactions.flatMap((record) => record.attachments.map((child) => childSourceId(record.id, child.id))),
    ],
    ['groups', file.groups.map((record) => record.id)],
    ['projects', file.projects.map((record) => record.id)],
    ['project_sections', file.projectSections.map((record) => record.id)],
    ['project_task_links', file.projectTaskLinks.map((record) => record.id)],
    [
      'project_attachments',
      file.projects.flatMap((record) => record.attachments.map((child) => childSourceId(record.id, child.id))),
    ],
    ['pipeline_templates', file.pipelineTemplates.map((record) => record.id)],
    [
      'pipeline_stage_templates',
      file.pipelineTemplates.flatMap((record) => record.stages.map((child) => childSourceId(record.id, child.id))),
    ],
    ['pipeline_items', file.pipelineItems.map((record) => record.id)],
  ]);
}

async function loadTakenDocIds(tx: Tx, file: FrameLordExport): Promise<Map<string, string>> {
  const wanted = [
    ...new Set(file.framelord_notes.flatMap((note) => (note.blocksuiteDocId ? [note.blocksuiteDocId] : []))),
  ];
  const taken = new Map<string, string>();
  for (let start = 0; start < wanted.length; start += 500) {
    const rows = await tx
      .select({ docId: notes.blocksuite_doc_id, id: notes.id })
      .from(notes)
      .where(inArray(notes.blocksuite_doc_id, wanted.slice(start, start + 500)));
    for (const row of rows) taken.set(row.docId, row.id);
  }
  return taken;
}

/** The topics store's topics (docs/formats/framelord-export.md §4.3); one that exists by slug is left as it is. */
async function writeTopics(context: ImportWrite, planned: readonly PlannedTopic[]): Promise<void> {
  const { created } = await ensureTopics(context.tx, context.auth.userId, planned);
  for (const id of created) context.changes.push({ entityType: 'topic', entityId: id });
  context.tally.table('topics').unchanged += planned.length - created.length;
}

/**
 * New notes' documents go through `updateNoteFromDocument`, the code every document store runs
 * (snapshot, links, topics). All notes are written first, so a label naming a note later in the
 * file resolves. The extraction stamps the note as just changed; the import then gives it back
 * its first version at the file's time, since for the user the note was created then.
 */
async function extractDocuments(
  context: ImportWrite,
  planned: readonly PlannedNote[],
  documents: ReadonlyMap<string, Y.Doc>,
  progress: (store: 'documents', done: number, total: number) => void,
): Promise<void> {
  const { tx, auth } = context;
  const created = planned.filter((note) => documents.has(note.id));
  let done = 0;
  for (const note of created) {
    const title = (note.insertOnly?.title as string | null | undefined) ?? null;
    await updateNoteFromDocument(tx, { id: note.id, user_id: auth.userId, title }, documents.get(note.id) as Y.Doc);
    done++;
    if (done % 50 === 0 || done === created.length) progress('documents', done, created.length);
  }
  await restoreFirstVersions(
    tx,
    notes,
    created.map((note) => ({ id: note.id, updatedAt: note.updatedAt })),
  );
}

/** Each document an import wrote as a version of source `import`, titled as the note is. */
export async function recordCreatedDocuments(
  tx: Tx,
  userId: string,
  states: ReadonlyMap<string, Uint8Array>,
  policy: VersionPolicy,
  origin: { importId: string; sessionId: string | null },
): Promise<void> {
  if (states.size === 0 || !policy.enabled) return;
  const ids = [...states.keys()];
  const titles = new Map<string, string | null>();
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await tx
      .select({ id: notes.id, title: notes.title })
      .from(notes)
      .where(and(eq(notes.user_id, userId), inArray(notes.id, ids.slice(start, start + 500))));
    for (const row of rows) titles.set(row.id, row.title);
  }
  await recordImportVersions(
    tx,
    userId,
    ids.map((noteId) => ({ noteId, state: states.get(noteId) as Uint8Array, title: titles.get(noteId) ?? null })),
    origin,
    policy,
  );
}

interface DerivedCounts {
  note_links: number;
  topics: number;
  note_topics: number;
}

async function countDerivedRows(tx: Tx, userId: string): Promise<DerivedCounts> {
  const [row] = await queryRows<Record<keyof DerivedCounts, string | number>>(
    tx,
    sql`select
          (select count(*) from note_links l join notes n on n.id = l.source_note_id where n.user_id = ${userId}) as note_links,
          (select count(*) from topics where user_id = ${userId}) as topics,
          (select count(*) from note_topics t join notes n on n.id = t.note_id where n.user_id = ${userId}) as note_topics`,
  );
  return {
    note_links: Number(row?.note_links ?? 0),
    topics: Number(row?.topics ?? 0),
    note_topics: Number(row?.note_topics ?? 0),
  };
}

/** Rows the extraction wrote are counted by difference: it is not this module's code. */
function tallyDerivedRows(tally: ImportTally, before: DerivedCounts, after: DerivedCounts): void {
  for (const table of ['note_links', 'topics', 'note_topics'] as const) {
    const counts = tally.table(table);
    const delta = after[table] - before[table];
    counts.added = Math.max(delta, 0);
    counts.removed = Math.max(-delta, 0);
  }
}
