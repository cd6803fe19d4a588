import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type * as Y from 'yjs';
import type { Tx } from '../../db/client.ts';
import { noteReferences, notes, noteTopics, topics, type BlockSuiteSnapshot } from '../../db/schema/index.ts';
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

  const [stored] = await tx
    .select({
      title: notes.title,
      doc_id: notes.blocksuite_doc_id,
      title_normalized: notes.title_normalized,
      same_text: sql<boolean>`coalesce(md5(${notes.blocksuite_snapshot}->>'text') = ${textMd5}, false)`,
    })
    .from(notes)
    .where(eq(notes.id, note.id));
  if (!stored) return;

  // An empty page title leaves the note's title as it is (docs/collaboration.md).
  const pageTitle = content.title.trim() === '' ? null : content.title.slice(0, TITLE_MAX);
  const title = pageTitle ?? stored.title;
  const titleChanged = title !== stored.title;
  const json = await snapshotJson(snapshot, slices);
  // Same text and title: the blocks (ids, flavours) may still differ; PostgreSQL compares them.
  const snapshotChanged = titleChanged || !stored.same_text || !(await sameStoredSnapshot(tx, note.id, json));
  if (snapshotChanged) {
    const titleNormalized = title === null ? null : normalizeTitle(title).slice(0, TITLE_MAX);
    await tx
      .update(notes)
      .set({
        blocksuite_snapshot: sql`${json}::jsonb`,
        title,
        title_normalized: titleNormalized,
        ...bumpVersion(notes, new Date()),
      })
      .where(eq(notes.id, note.id));
    changes.push({ entityType: 'note', entityId: note.id });
    if (!stored.same_text) await writeNoteSearchChunks(tx, note.id, snapshot.text);
    if (titleChanged) {
      await recomputeLinksToTarget(tx, {
        id: note.id,
        user_id: note.user_id,
        blocksuite_doc_id: stored.doc_id,
        titleKeys: [stored.title_normalized, titleNormalized],
      });
    }
  }

  await syncReferences(tx, note, content.wikiLabels, content.referencedDocIds);
  // The note's `blob_keys` is part of what a device pulls: a change of them alone is a change.
  if ((await syncNoteBlobReferences(tx, note, content.blobKeys)) && changes.length === 0) {
    await tx.update(notes).set(bumpVersion(notes, new Date())).where(eq(notes.id, note.id));
    changes.push({ entityType: 'note', entityId: note.id });
  }
  await recomputeLinksOfSources(tx, note.user_id, [note.id]);
  changes.push(...(await syncTopics(tx, note, content.wikiLabels)));
  await recordChanges(tx, note.user_id, changes);
}

async function sameStoredSnapshot(tx: Tx, noteId: string, json: string): Promise<boolean> {
  const [row] = await tx
    .select({ same: sql<boolean>`coalesce(${notes.blocksuite_snapshot} = ${json}::jsonb, false)` })
    .from(notes)
    .where(eq(notes.id, noteId));
  return row?.same === true;
}

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
  const existing = await tx
    .select({ kind: noteReferences.kind, target_key: noteReferences.target_key })
    .from(noteReferences)
    .where(eq(noteReferences.note_id, note.id));
  const existingKeys = new Set(existing.map((row) => `${row.kind}\u0000${row.target_key}` as ReferenceKey));

  const stale = existing.filter((row) => !wanted.has(`${row.kind}\u0000${row.target_key}` as ReferenceKey));
  for (const kind of ['title', 'doc'] as const) {
    const keys = stale.filter((row) => row.kind === kind).map((row) => row.target_key);
    if (keys.length > 0) {
      await tx
        .delete(noteReferences)
        .where(
          and(
            eq(noteReferences.note_id, note.id),
            eq(noteReferences.kind, kind),
            inArray(noteReferences.target_key, keys),
          ),
        );
    }
  }
  const added = [...wanted.entries()]
    .filter(([key]) => !existingKeys.has(key))
    .map(([, value]) => ({ ...value, note_id: note.id, user_id: note.user_id }));
  if (added.length > 0) await tx.insert(noteReferences).values(added).onConflictDoNothing();
}

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
 * and `linked_notes` changed.
 */
async function syncTopics(
  tx: Tx,
  note: DocumentNote,
  labels: readonly string[],
): Promise<Array<{ entityType: EntityType; entityId: string }>> {
  const labelBySlug = new Map<string, string>();
  for (const label of labels) {
    const slug = topicSlug(label).slice(0, TOPIC_LABEL_MAX);
    if (slug && !labelBySlug.has(slug)) labelBySlug.set(slug, label.slice(0, TOPIC_LABEL_MAX));
  }
  const slugs = [...labelBySlug.keys()];
  const changed: Array<{ entityType: EntityType; entityId: string }> = [];

  const { idBySlug: topicIdBySlug } = await ensureTopics(
    tx,
    note.user_id,
    slugs.map((slug) => ({ slug, label: labelBySlug.get(slug) ?? slug })),
  );

  const wanted = new Set(topicIdBySlug.values());
  const existing = await tx
    .select({ topic_id: noteTopics.topic_id })
    .from(noteTopics)
    .where(eq(noteTopics.note_id, note.id));
  const existingIds = new Set(existing.map((row) => row.topic_id));
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
