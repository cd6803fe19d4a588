import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { preparedStatement, textArray } from '../../db/prepared.ts';
import type * as Y from 'yjs';
import type { Tx } from '../../db/client.ts';
import {
  noteBlobs,
  noteReferences,
  notes,
  noteTopics,
  topics,
  type BlockSuiteSnapshot,
} from '../../db/schema/index.ts';
import {
  normalizeTitle,
  readBlockSuiteDocument,
  snapshotBlockJson,
  topicSlug,
  type BlockSuiteDocumentContent,
} from '../blocksuite/index.ts';
import { recordChanges } from '../change-feed.ts';
import type { EntityType } from '../entity-types.ts';
import { writeNoteSearchChunks } from '../search/note-chunks.ts';
import { syncNoteBlobReferences } from '../blobs/blob-references.ts';
import { recomputeLinksOfSources, recomputeLinksToTarget } from './link-resolution.ts';
import { bumpVersion, firstVersion } from '../versioning.ts';

/** The note row fields the derived-data update needs to decide what changed. */
export interface DocumentNote {
  id: string;
  user_id: string;
  title: string | null;
}

const TITLE_MAX = 500;
const TOPIC_LABEL_MAX = 255;
const REFERENCE_KEY_MAX = 500;
/** Slugs per statement. */
const TOPIC_BATCH = 500;

type ReferenceKey = `${'title' | 'doc'}\u0000${string}`;

/** Pauses between slices of long work; the shape of `TimeSlicer` (domain/documents/time-slices.ts). */
export interface DerivationSlices {
  due(): boolean;
  pause(): Promise<void>;
}

const NO_PAUSES: DerivationSlices = { due: () => false, pause: async () => {} };

/**
 * Keeps a note's derived data in step with its document. Called by document compaction (and the
 * importer) inside the same transaction that writes `notes.blocksuite_doc` (docs/collaboration.md): snapshot,
 * title, search vector (a generated column) and search parts, references and links, blob references,
 * topics — together, or not at all. Every part is a diff against what is stored, so re-storing an unchanged document writes
 * no row and leaves `sync_version` and `updated_at` alone.
 */
export async function updateNoteFromDocument(tx: Tx, note: DocumentNote, doc: Y.Doc): Promise<void> {
  await updateNoteFromContent(tx, note, readBlockSuiteDocument(doc));
}

/**
 * `updateNoteFromDocument` from content already read. The snapshot of a 100k-block document is
 * ~20 MB of JSON and its text ~7 MB: the stored text is compared by md5 (computed by PostgreSQL,
 * so the stored snapshot is never read back and parsed here: JSON.parse of it took 64 ms), and the
 * JSON is built in slices (JSON.stringify of it in one go took 152 ms).
 */
export async function updateNoteFromContent(
  tx: Tx,
  note: DocumentNote,
  content: BlockSuiteDocumentContent,
  slices: DerivationSlices = NO_PAUSES,
): Promise<void> {
  const changes: Array<{ entityType: EntityType; entityId: string }> = [];
  const snapshot: BlockSuiteSnapshot = { title: content.title, text: content.text, blocks: content.blocks };
  const textMd5 = await md5OfText(snapshot.text, slices);

  const [row] = await readStoredDerivatives(tx, { noteId: note.id, textMd5 });
  if (!row) return;
  const stored = storedDerivatives(row);

  // An empty page title leaves the note's title as it is (docs/collaboration.md).
  const pageTitle = content.title.trim() === '' ? null : content.title.slice(0, TITLE_MAX);
  const title = pageTitle ?? stored.title;
  const titleChanged = title !== stored.title;
  const titleNormalized = title === null ? null : normalizeTitle(title).slice(0, TITLE_MAX);
  const json = await snapshotJson(snapshot, slices);
  if (json.length > LZ4_SNAPSHOT_CHARS) await preferLz4Compression(tx, {});
  // Written only when the title or the snapshot differs (same text and title: the blocks, ids and
  // flavours, may still differ); PostgreSQL compares, so the stored snapshot is never read here.
  const written = await writeSnapshot(tx, {
    noteId: note.id,
    json,
    title,
    titleNormalized,
    updatedAt: bumpVersion(notes, new Date()).updated_at.toISOString(),
  });
  if (written.length > 0) {
    changes.push({ entityType: 'note', entityId: note.id });
    if (!stored.sameText) await writeNoteSearchChunks(tx, note.id, snapshot.text, slices);
    if (titleChanged) {
      await recomputeLinksToTarget(tx, {
        id: note.id,
        user_id: note.user_id,
        blocksuite_doc_id: stored.docId,
        titleKeys: [stored.titleNormalized, titleNormalized],
      });
    }
  }

  await syncReferences(tx, note, stored.references, content.wikiLabels, content.referencedDocIds);
  // The note's `blob_keys` is part of what a device pulls: a change of them alone is a change.
  if ((await syncNoteBlobReferences(tx, note, content.blobKeys, stored.blobKeys)) && changes.length === 0) {
    await tx.update(notes).set(bumpVersion(notes, new Date())).where(eq(notes.id, note.id));
    changes.push({ entityType: 'note', entityId: note.id });
  }
  await recomputeLinksOfSources(tx, note.user_id, [note.id]);
  changes.push(...(await syncTopics(tx, note, stored.topics, content.wikiLabels)));
  await recordChanges(tx, note.user_id, changes);
}

/**
 * What the derived-data update compares against, in ONE statement (a store of a document whose
 * references, blobs and topics did not change then writes none of them and reads nothing more):
 * the note's title, whether the stored text is this one (by md5), and the references, blob keys
 * and topics the note has. The lists travel as JSON text, parsed here (both engines alike).
 */
const readStoredDerivatives = preparedStatement<
  { noteId: string; textMd5: string },
  {
    title: string | null;
    doc_id: string;
    title_normalized: string | null;
    same_text: boolean;
    references: string;
    blob_keys: string;
    topics: string;
  }
>(
  'stored_derivatives',
  (p) => sql`select n.title, n.blocksuite_doc_id as doc_id, n.title_normalized,
      coalesce(md5(n.blocksuite_snapshot->>'text') = ${p.textMd5}::text, false) as same_text,
      coalesce((select json_agg(json_build_array(r.kind, r.target_key))::text
                from ${noteReferences} r where r.note_id = n.id), '[]') as "references",
      coalesce((select json_agg(b.blob_key)::text from ${noteBlobs} b where b.note_id = n.id), '[]') as blob_keys,
      coalesce((select json_agg(json_build_array(t.id, t.slug))::text
                from ${noteTopics} nt join ${topics} t on t.id = nt.topic_id where nt.note_id = n.id), '[]') as topics
    from ${notes} n where n.id = ${p.noteId}::uuid`,
);

interface StoredDerivatives {
  title: string | null;
  docId: string;
  titleNormalized: string | null;
  sameText: boolean;
  references: Array<{ kind: 'title' | 'doc'; target_key: string }>;
  blobKeys: string[];
  /** The note's topics: id and slug. */
  topics: Array<{ id: string; slug: string }>;
}

function storedDerivatives(row: Awaited<ReturnType<typeof readStoredDerivatives>>[number]): StoredDerivatives {
  return {
    title: row.title,
    docId: row.doc_id,
    titleNormalized: row.title_normalized,
    sameText: row.same_text === true,
    references: (JSON.parse(row.references) as Array<['title' | 'doc', string]>).map(([kind, target_key]) => ({
      kind,
      target_key,
    })),
    blobKeys: JSON.parse(row.blob_keys) as string[],
    topics: (JSON.parse(row.topics) as Array<[string, string]>).map(([id, slug]) => ({ id, slug })),
  };
}

/**
 * The snapshot and title, with a version bump, only when either differs from what is stored;
 * answers a row when it wrote. The snapshot is a parameter once (a large document's is megabytes).
 */
const writeSnapshot = preparedStatement<
  { noteId: string; json: string; title: string | null; titleNormalized: string | null; updatedAt: string },
  { id: string }
>(
  'write_note_snapshot',
  (p) => sql`with wanted as (
      select ${p.json}::jsonb as snapshot, ${p.title}::text as title, ${p.titleNormalized}::text as title_normalized
    )
    update ${notes} n
    set blocksuite_snapshot = wanted.snapshot, title = wanted.title, title_normalized = wanted.title_normalized,
        sync_version = n.sync_version + 1, updated_at = ${p.updatedAt}::timestamptz
    from wanted
    where n.id = ${p.noteId}::uuid
      and (n.title is distinct from wanted.title or n.blocksuite_snapshot is distinct from wanted.snapshot)
    returning n.id`,
);

/** Snapshot JSON (characters) past which its write asks for lz4 compression. */
const LZ4_SNAPSHOT_CHARS = 256 * 1024;

/**
 * For the rest of the transaction, values PostgreSQL compresses (TOAST) use lz4 instead of the
 * default pglz, when the server has lz4: a 100k-block snapshot (20 MB of JSON) is written in
 * 236–334 ms instead of 480–576 ms, at the same stored size (docs/benchmarks.md, "Large
 * documents"). Each stored value names its method, so values written either way read alike, and
 * a server without lz4 (PGlite) answers no row and sets nothing. A setting rather than the
 * column's own method, which would take a migration PGlite cannot run.
 */
const preferLz4Compression = preparedStatement<Record<string, never>>(
  'prefer_lz4_compression',
  () => sql`select set_config('default_toast_compression', 'lz4', true) from pg_settings
    where name = 'default_toast_compression' and 'lz4' = any(enumvals)`,
);

/** Characters hashed per slice check (~2 ms). */
const TEXT_CHARS_PER_SLICE = 1 << 20;

/** md5 (hex) of the text's UTF-8 bytes, as PostgreSQL's md5(text) computes it, in slices. */
async function md5OfText(text: string, slices: DerivationSlices): Promise<string> {
  const hash = createHash('md5');
  let start = 0;
  while (start < text.length) {
    if (slices.due()) await slices.pause();
    let end = Math.min(text.length, start + TEXT_CHARS_PER_SLICE);
    // Never between the two halves of a surrogate pair: each part is encoded on its own.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    hash.update(text.slice(start, end), 'utf8');
    start = end;
  }
  return hash.digest('hex');
}

/** Blocks serialized per slice check (~1 ms). */
const BLOCKS_PER_SLICE = 2000;

/** JSON.stringify(snapshot), the blocks in slices (a live document's unchanged blocks as kept from its last store). */
async function snapshotJson(snapshot: BlockSuiteSnapshot, slices: DerivationSlices): Promise<string> {
  const parts = [`{"title":${JSON.stringify(snapshot.title)},"text":${JSON.stringify(snapshot.text)},"blocks":[`];
  for (let start = 0; start < snapshot.blocks.length; start += BLOCKS_PER_SLICE) {
    if (slices.due()) await slices.pause();
    const slice = snapshot.blocks.slice(start, start + BLOCKS_PER_SLICE).map(snapshotBlockJson);
    parts.push(start === 0 ? slice.join(',') : `,${slice.join(',')}`);
  }
  parts.push(']}');
  return parts.join('');
}

/** note_references := the document's labels (normalized) and native doc references, by diff. */
async function syncReferences(
  tx: Tx,
  note: DocumentNote,
  existing: ReadonlyArray<{ kind: 'title' | 'doc'; target_key: string }>,
  labels: readonly string[],
  docIds: readonly string[],
): Promise<void> {
  const wanted = new Map<ReferenceKey, { kind: 'title' | 'doc'; target_key: string }>();
  for (const label of labels) {
    const key = normalizeTitle(label).slice(0, REFERENCE_KEY_MAX);
    if (key) wanted.set(`title\u0000${key}`, { kind: 'title', target_key: key });
  }
  for (const docId of docIds) {
    const key = docId.slice(0, REFERENCE_KEY_MAX);
    if (key) wanted.set(`doc\u0000${key}`, { kind: 'doc', target_key: key });
  }
  const existingKeys = new Set(existing.map((row) => `${row.kind}\u0000${row.target_key}` as ReferenceKey));
  const stale = existing.filter((row) => !wanted.has(`${row.kind}\u0000${row.target_key}` as ReferenceKey));
  const added = [...wanted.entries()].filter(([key]) => !existingKeys.has(key)).map(([, value]) => value);
  if (stale.length > 0) await deleteReferences(tx, { noteId: note.id, ...referenceArrays(stale) });
  if (added.length > 0)
    await insertReferences(tx, { noteId: note.id, userId: note.user_id, ...referenceArrays(added) });
}

const referenceArrays = (references: ReadonlyArray<{ kind: string; target_key: string }>) => ({
  kinds: textArray(references.map((reference) => reference.kind)),
  keys: textArray(references.map((reference) => reference.target_key)),
});

const deleteReferences = preparedStatement<{ noteId: string; kinds: string; keys: string }>(
  'delete_note_references',
  (p) => sql`delete from ${noteReferences} r
    using unnest(${p.kinds}::text[], ${p.keys}::text[]) as stale(kind, target_key)
    where r.note_id = ${p.noteId}::uuid and r.kind = stale.kind and r.target_key = stale.target_key`,
);

const insertReferences = preparedStatement<{ noteId: string; userId: string; kinds: string; keys: string }>(
  'insert_note_references',
  (p) => sql`insert into ${noteReferences} (note_id, user_id, kind, target_key)
    select ${p.noteId}::uuid, ${p.userId}::uuid, added.kind, added.target_key
    from unnest(${p.kinds}::text[], ${p.keys}::text[]) as added(kind, target_key)
    on conflict do nothing`,
);

/** A topic wanted by slug; the times of a copied one (an import), else now. */
export interface TopicSeed {
  slug: string;
  label: string;
  createdAt?: Date;
  updatedAt?: Date;
}

/**
 * One topic per slug and user, created on first use: the document extraction's labels and the
 * import's topics store both come through here. Answers every wanted slug's topic and the ids of
 * those this call created (an existing one is left as it is).
 */
export async function ensureTopics(
  tx: Tx,
  userId: string,
  wanted: readonly TopicSeed[],
): Promise<{ idBySlug: Map<string, string>; created: string[] }> {
  const idBySlug = new Map<string, string>();
  const created: string[] = [];
  const bySlug = (slugs: readonly string[]) =>
    tx
      .select({ id: topics.id, slug: topics.slug })
      .from(topics)
      .where(and(eq(topics.user_id, userId), inArray(topics.slug, [...slugs])));
  for (let start = 0; start < wanted.length; start += TOPIC_BATCH) {
    const batch = wanted.slice(start, start + TOPIC_BATCH);
    for (const row of await bySlug(batch.map((topic) => topic.slug))) idBySlug.set(row.slug, row.id);
    const missing = batch.filter((topic) => !idBySlug.has(topic.slug));
    if (missing.length === 0) continue;
    const inserted = await tx
      .insert(topics)
      .values(
        missing.map((topic) => ({
          user_id: userId,
          slug: topic.slug,
          label: topic.label,
          ...(topic.createdAt ? { created_at: topic.createdAt } : {}),
          ...(topic.updatedAt ? firstVersion(topic.updatedAt) : {}),
        })),
      )
      .onConflictDoNothing()
      .returning({ id: topics.id, slug: topics.slug });
    for (const row of inserted) {
      idBySlug.set(row.slug, row.id);
      created.push(row.id);
    }
    // A concurrent store of another note created some of them first.
    if (inserted.length < missing.length)
      for (const row of await bySlug(missing.map((topic) => topic.slug))) idBySlug.set(row.slug, row.id);
  }
  return { idBySlug, created };
}

/**
 * topics/note_topics := one topic per label slug (the user's own topics only; created on first
 * use), by diff. Topics whose note set changed are recorded for sync, since their `note_count`
 * and `linked_notes` changed. `existing` is the note's topics as stored: when their slugs are the
 * labels' slugs, nothing is read or written.
 */
async function syncTopics(
  tx: Tx,
  note: DocumentNote,
  existing: ReadonlyArray<{ id: string; slug: string }>,
  labels: readonly string[],
): Promise<Array<{ entityType: EntityType; entityId: string }>> {
  const labelBySlug = new Map<string, string>();
  for (const label of labels) {
    const slug = topicSlug(label).slice(0, TOPIC_LABEL_MAX);
    if (slug && !labelBySlug.has(slug)) labelBySlug.set(slug, label.slice(0, TOPIC_LABEL_MAX));
  }
  const slugs = [...labelBySlug.keys()];
  const changed: Array<{ entityType: EntityType; entityId: string }> = [];
  // The note's topics are the user's (this function links no other), and a slug names one topic
  // per user: the same slugs are the same topics.
  const existingSlugs = new Set(existing.map((topic) => topic.slug));
  if (existing.length === slugs.length && slugs.every((slug) => existingSlugs.has(slug))) return changed;

  const { idBySlug: topicIdBySlug } = await ensureTopics(
    tx,
    note.user_id,
    slugs.map((slug) => ({ slug, label: labelBySlug.get(slug) ?? slug })),
  );

  const wanted = new Set(topicIdBySlug.values());
  const existingIds = new Set(existing.map((topic) => topic.id));
  const removed = [...existingIds].filter((id) => !wanted.has(id));
  const added = [...wanted].filter((id) => !existingIds.has(id));
  if (removed.length > 0)
    await tx.delete(noteTopics).where(and(eq(noteTopics.note_id, note.id), inArray(noteTopics.topic_id, removed)));
  if (added.length > 0)
    await tx
      .insert(noteTopics)
      .values(added.map((topic_id) => ({ note_id: note.id, topic_id })))
      .onConflictDoNothing();
  for (const id of [...removed, ...added]) changed.push({ entityType: 'topic', entityId: id });
  return changed;
}
