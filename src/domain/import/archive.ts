// The account archive (docs/accounts.md, "Export archive"): one zip a person can keep or move to
// another server. It holds every entity as JSON (`data.json`, the FrameLord export format that
// /api/v1/import reads), and each note's Yjs state and snapshot exactly as stored
// (`notes/<id>.yjs`, `notes/<id>.snapshot.json`), under a `manifest.json`. Documents are read 100
// notes per statement and handed out as zip chunks on demand, so the documents, which are most of
// an account, never sit in memory all at once.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { strFromU8, strToU8, unzipSync, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { Db } from '../../db/client.ts';
import { blobs as blobRows, importIdMap, notes } from '../../db/schema/index.ts';
import { users } from '../../db/schema/users.ts';
import type { BlobService } from '../blobs/blob-service.ts';
import { loadCurrentDocumentStates } from '../documents/current-document.ts';
import { assertStateIntegrable } from '../documents/decode-budget.ts';
import { StateTooCostly } from '../documents/document-state.ts';
import { conflict, fieldError, payloadTooLarge, validationError } from '../errors.ts';
import { unstorableTextFields } from '../storable-text.ts';
import { exportFrameLordJson } from './export-service.ts';
import { loadSourceIds } from './id-map.ts';
import { type ImportOptions, importFrameLordExport, recordCreatedDocuments } from './import-service.ts';
import type { ImportSummary } from './summary.ts';

export const ARCHIVE_FORMAT = 'framelord-sync-archive';
export const ARCHIVE_VERSION = 1;
/** Notes whose documents are read in one statement. */
const NOTE_BATCH = 100;
/** What an archive import unpacks at most: the request body is 15 MB; deflate rarely beats 10×. */
export const MAX_ARCHIVE_UNPACKED_BYTES = 256 * 1024 * 1024;

interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  exported_at: string;
  account: { email: string; full_name: string };
  /** Exported note id (as data.json names it) → its document files. */
  notes: Record<string, { state: string | null; snapshot: string | null }>;
  /** The user's blobs (images, attachments), each in `blobs/<key>`. */
  blobs: Array<{ key: string; content_type: string; size: number; file: string }>;
}

/** The file name part for an exported id (app ids may hold any character). */
const fileId = (id: string) => encodeURIComponent(id);

/**
 * The archive as zip bytes, chunk by chunk, produced as they are read: the caller's pace (an HTTP
 * response, a file) drives the database reads.
 */
export async function* accountArchive(
  db: Db,
  blobs: BlobService,
  userId: string,
  now = new Date(),
): AsyncGenerator<Uint8Array> {
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  let finished = false;
  const zip = new Zip((error, chunk, final) => {
    if (error) failure = error;
    pending.push(chunk);
    if (final) finished = true;
  });
  const drain = function* () {
    if (failure) throw failure;
    while (pending.length > 0) yield pending.shift() as Uint8Array;
  };
  const addFile = (name: string, bytes: Uint8Array, compress: boolean) => {
    const entry = compress ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
    zip.add(entry);
    entry.push(bytes, true);
  };

  const [account] = await db
    .select({ email: users.email, full_name: users.full_name })
    .from(users)
    .where(eq(users.id, userId));
  if (!account) throw fieldError('user', 'does not exist');
  // data.json is zipped as the export writes it, never whole in memory.
  const dataEntry = new ZipDeflate('data.json', { level: 6 });
  zip.add(dataEntry);
  for await (const text of exportFrameLordJson(db, blobs, userId, now)) {
    dataEntry.push(strToU8(text));
    yield* drain();
  }
  dataEntry.push(new Uint8Array(0), true);
  yield* drain();

  const exportedIds = (await loadSourceIds(db, userId)).get('notes') ?? new Map<string, string>();
  const manifestNotes: Manifest['notes'] = {};
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch = await db
      .select({ id: notes.id, snapshot: notes.blocksuite_snapshot })
      .from(notes)
      .where(and(eq(notes.user_id, userId), gt(notes.id, after)))
      .orderBy(asc(notes.id))
      .limit(NOTE_BATCH);
    if (batch.length === 0) break;
    after = batch.at(-1)?.id ?? after;
    // The zip is already streaming: a spent memory budget is waited out, not refused.
    const states = await loadCurrentDocumentStates(
      db,
      batch.map((note) => note.id),
      'wait',
    );
    for (const note of batch) {
      const exportedId = exportedIds.get(note.id) ?? note.id;
      const state = states.get(note.id) ?? null;
      const files = { state: null as string | null, snapshot: null as string | null };
      if (state) {
        files.state = `notes/${fileId(exportedId)}.yjs`;
        addFile(files.state, state, true);
      }
      if (note.snapshot) {
        files.snapshot = `notes/${fileId(exportedId)}.snapshot.json`;
        addFile(files.snapshot, strToU8(JSON.stringify(note.snapshot)), true);
      }
      manifestNotes[exportedId] = files;
    }
    yield* drain();
  }

  // Blobs are streamed chunk by chunk from the store into the zip: one blob is never whole in memory.
  const manifestBlobs: Manifest['blobs'] = [];
  let afterBlob = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch = await db
      .select({
        id: blobRows.id,
        key: blobRows.key,
        content_type: blobRows.content_type,
        size: blobRows.size,
      })
      .from(blobRows)
      .where(and(eq(blobRows.user_id, userId), gt(blobRows.id, afterBlob)))
      .orderBy(asc(blobRows.id))
      .limit(NOTE_BATCH);
    if (batch.length === 0) break;
    afterBlob = batch.at(-1)?.id ?? afterBlob;
    for (const blob of batch) {
      const file = `blobs/${blob.key}`;
      const entry = new ZipDeflate(file, { level: 6 });
      zip.add(entry);
      if (blob.size > 0) {
        const found = await blobs.find({ userId }, blob.key);
        for await (const chunk of blobs.read(found, { start: 0, end: blob.size - 1 })) {
          entry.push(chunk);
          yield* drain();
        }
      }
      entry.push(new Uint8Array(0), true);
      manifestBlobs.push({ key: blob.key, content_type: blob.content_type, size: blob.size, file });
      yield* drain();
    }
  }

  const manifest: Manifest = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    exported_at: now.toISOString(),
    account,
    notes: manifestNotes,
    blobs: manifestBlobs,
  };
  addFile('manifest.json', strToU8(JSON.stringify(manifest, null, 2)), true);
  zip.end();
  yield* drain();
  if (!finished) throw new Error('the archive did not finish');
}

function readArchive(bytes: Uint8Array): Record<string, Uint8Array> {
  let declared = 0;
  try {
    return unzipSync(bytes, {
      filter: (file) => {
        declared += file.originalSize;
        if (declared > MAX_ARCHIVE_UNPACKED_BYTES) throw payloadTooLarge('The archive unpacks to more than 256 MB');
        return true;
      },
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'DomainError') throw error;
    throw fieldError('archive', 'is not a zip file');
  }
}

/**
 * A JSON file of the archive. The manifest and the snapshots (stored as jsonb) are refused when any
 * of their text is not storable, naming the file and the path inside it; data.json is checked
 * record by record by the FrameLord import instead, which names the record.
 */
function parseJson(files: Record<string, Uint8Array>, name: string, checkText = true): unknown {
  const file = files[name];
  if (!file) throw fieldError(name, 'is missing from the archive');
  let value: unknown;
  try {
    value = JSON.parse(strFromU8(file));
  } catch {
    throw fieldError(name, 'is not valid JSON');
  }
  if (checkText) {
    const problems = unstorableTextFields(value, [name], { wellFormed: true });
    if (problems.length > 0) throw validationError(problems);
  }
  return value;
}

function parseManifest(value: unknown): Manifest {
  const manifest = value as Partial<Manifest> | null;
  if (manifest?.format !== ARCHIVE_FORMAT || manifest.version !== ARCHIVE_VERSION) {
    throw fieldError('manifest.json', `is not a ${ARCHIVE_FORMAT} version ${ARCHIVE_VERSION}`);
  }
  if (typeof manifest.notes !== 'object' || manifest.notes === null) throw fieldError('manifest.json', 'has no notes');
  return manifest as Manifest;
}

/**
 * An archive's note document is stored as it is, and every load, compaction and export of the note
 * then integrates it whole into an empty document: it is held to the bound every update and log
 * entry is held to (docs/security.md, "Integration cost"), walked against an empty document within
 * the memory budget. Past it: DOCUMENT_TOO_COSTLY (422) naming the note (as data.json names it)
 * and the file, and the import writes nothing.
 */
function assertArchiveStateIntegrable(exportedId: string, file: string, state: Uint8Array): Promise<void> {
  return assertStateIntegrable(
    state,
    (cause) => new StateTooCostly(`The document of note ${exportedId} (${file})`, { note_id: exportedId, file }, cause),
  );
}

export interface ArchiveImportSummary extends ImportSummary {
  /** Notes whose Yjs state and snapshot came from the archive. */
  documents: number;
  /** Blobs stored from the archive (their key is checked against their bytes, as any upload). */
  blobs: number;
}

/**
 * Imports an archive into an account that has no notes yet (a new account, or one moving
 * servers): the entities through the FrameLord import, then each note's stored document and
 * snapshot as the archive holds them, so the documents are the same bytes as before. An account
 * with notes answers 409: replacing documents someone may be editing is not what an import is for.
 */
export async function importAccountArchive(
  db: Db,
  blobs: BlobService,
  userId: string,
  bytes: Uint8Array,
  versions: Pick<ImportOptions, 'history' | 'sessionId'> = {},
): Promise<ArchiveImportSummary> {
  const files = readArchive(bytes);
  const manifest = parseManifest(parseJson(files, 'manifest.json'));
  const data = parseJson(files, 'data.json', false);
  // Every snapshot is read (and its text checked) before anything is written.
  const snapshots = new Map<string, unknown>();
  for (const entry of Object.values(manifest.notes)) {
    const name = typeof entry === 'object' && entry !== null ? entry.snapshot : null;
    if (typeof name === 'string' && files[name] && !snapshots.has(name)) snapshots.set(name, parseJson(files, name));
  }
  const [existing] = await db.select({ n: sql<number>`count(*)::int` }).from(notes).where(eq(notes.user_id, userId));
  if ((existing?.n ?? 0) > 0) {
    throw conflict('An archive is imported into an account without notes', [
      { field: 'archive', message: 'the account already has notes' },
    ]);
  }
  // Every document is walked (and refused past the integration bound) before anything is written.
  for (const [exportedId, entry] of Object.entries(manifest.notes)) {
    const name = typeof entry === 'object' && entry !== null ? entry.state : null;
    const state = typeof name === 'string' ? files[name] : undefined;
    if (typeof name === 'string' && state) await assertArchiveStateIntegrable(exportedId, name, state);
  }
  // Its versions are taken below, of the documents as the archive holds them.
  const summary = await importFrameLordExport(db, userId, data, { blobs });
  let documents = 0;
  await db.transaction(async (tx) => {
    const written = new Map<string, Uint8Array>();
    const mapped = await tx
      .select({ source: importIdMap.source_id, target: importIdMap.target_id })
      .from(importIdMap)
      .where(and(eq(importIdMap.user_id, userId), eq(importIdMap.store, 'notes')));
    const targetOf = new Map(mapped.map((row) => [row.source, row.target]));
    for (const [exportedId, entry] of Object.entries(manifest.notes)) {
      const target = targetOf.get(exportedId);
      if (!target || typeof entry !== 'object' || entry === null) continue;
      const state = typeof entry.state === 'string' ? files[entry.state] : undefined;
      if (!state) continue;
      const snapshot = typeof entry.snapshot === 'string' ? ((snapshots.get(entry.snapshot) ?? null) as never) : null;
      await tx
        .update(notes)
        .set({ blocksuite_doc: state, blocksuite_snapshot: snapshot })
        .where(and(eq(notes.id, target), eq(notes.user_id, userId)));
      written.set(target, state);
      documents += 1;
    }
    if (versions.history)
      await recordCreatedDocuments(tx, userId, written, versions.history, {
        importId: summary.import_id,
        sessionId: versions.sessionId ?? null,
      });
  });
  let storedBlobs = 0;
  for (const blob of Array.isArray(manifest.blobs) ? manifest.blobs : []) {
    const file = typeof blob?.file === 'string' ? files[blob.file] : undefined;
    if (!file || typeof blob.key !== 'string') continue;
    // Through the blob service: the key must be the bytes' hash, and the user's quota holds.
    await blobs.put(
      { userId },
      {
        key: blob.key,
        contentType: typeof blob.content_type === 'string' ? blob.content_type : undefined,
        declaredBytes: file.byteLength,
        body: (async function* () {
          yield file;
        })(),
      },
    );
    storedBlobs += 1;
  }
  return { ...summary, documents, blobs: storedBlobs };
}
