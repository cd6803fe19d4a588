import { eq, sql } from 'drizzle-orm';
import type * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, noteLinks, notes, noteTopics, topics, users } from '../../src/db/schema/index.ts';
import { queryRows } from '../../src/db/rows.ts';
import { buildBlockSuiteDocument, normalizeTitle } from '../../src/domain/blocksuite/index.ts';
import { updateNoteFromDocument } from '../../src/domain/notes/document-derivatives.ts';
import { onNoteTitleOrArchiveChanged } from '../../src/domain/notes/title-links.ts';
import { createTestDatabase, type TestDatabase, testEngine } from '../helpers/database.ts';

let database: TestDatabase;

interface Owner {
  userId: string;
  contactZeroId: string;
}

async function createOwner(email: string): Promise<Owner> {
  const [user] = await database.db.insert(users).values({ email, full_name: email }).returning();
  const [zero] = await database.db
    .insert(contacts)
    .values({
      user_id: user!.id,
      full_name: email,
      is_contact_zero: true,
      relationship_domain: 'hybrid',
      relationship_role: 'self',
    })
    .returning();
  return { userId: user!.id, contactZeroId: zero!.id };
}

let counter = 0;
async function createNote(owner: Owner, title: string | null, options: { archived?: boolean; docId?: string } = {}) {
  counter += 1;
  const [note] = await database.db
    .insert(notes)
    .values({
      user_id: owner.userId,
      author_contact_id: owner.contactZeroId,
      blocksuite_doc_id: options.docId ?? `doc-${counter}-${Math.random().toString(36).slice(2)}`,
      title,
      title_normalized: title === null ? null : normalizeTitle(title),
      is_archived: options.archived ?? false,
    })
    .returning();
  await database.db.transaction((tx) => onNoteTitleOrArchiveChanged(tx, note!));
  return note!;
}

async function store(note: { id: string; user_id: string; title: string | null }, doc: Y.Doc) {
  await database.db.transaction((tx) => updateNoteFromDocument(tx, note, doc));
}

async function linkTargets(sourceId: string): Promise<string[]> {
  const rows = await database.db
    .select({ target: noteLinks.target_note_id })
    .from(noteLinks)
    .where(eq(noteLinks.source_note_id, sourceId));
  return rows.map((row) => row.target).sort();
}

async function topicSlugsOf(noteId: string): Promise<string[]> {
  const rows = await database.db
    .select({ slug: topics.slug })
    .from(noteTopics)
    .innerJoin(topics, eq(topics.id, noteTopics.topic_id))
    .where(eq(noteTopics.note_id, noteId));
  return rows.map((row) => row.slug).sort();
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

describe("storing a document updates its note's derived data", () => {
  it('writes snapshot, title, topics and links from the document', async () => {
    const owner = await createOwner('derive@example.com');
    const target = await createNote(owner, 'Café Ops');
    const source = await createNote(owner, null);
    await store(
      source,
      buildBlockSuiteDocument('Weekly review', ['See [[CAFÉ OPS]] and [[Alpha]].', '[[日本語]] and [[   ]]']),
    );

    const [row] = await database.db.select().from(notes).where(eq(notes.id, source.id));
    expect(row?.title).toBe('Weekly review');
    expect(row?.blocksuite_snapshot?.title).toBe('Weekly review');
    expect(row?.blocksuite_snapshot?.text).toContain('See [[CAFÉ OPS]]');
    expect(row?.sync_version).toBe(1);
    expect(await linkTargets(source.id)).toEqual([target.id]);
    expect(await topicSlugsOf(source.id)).toEqual(['alpha', 'café-ops', '日本語'].sort());
    const found = await queryRows<{ id: string }>(
      database.db,
      sql`select id from notes where search_vector @@ websearch_to_tsquery('english', 'review')`,
    );
    expect(found.map((r) => r.id)).toContain(source.id);
  });

  it('keeps a label that names no note yet, links it when a note takes the title, and drops it on rename or archive', async () => {
    const owner = await createOwner('late@example.com');
    const source = await createNote(owner, 'Source');
    await store(source, buildBlockSuiteDocument('Source', ['Waiting for [[Beta Note]]']));
    expect(await linkTargets(source.id)).toEqual([]);

    const beta = await createNote(owner, 'beta note');
    expect(await linkTargets(source.id)).toEqual([beta.id]);

    await database.db.transaction(async (tx) => {
      await tx
        .update(notes)
        .set({ title: 'Gamma', title_normalized: normalizeTitle('Gamma') })
        .where(eq(notes.id, beta.id));
      await onNoteTitleOrArchiveChanged(tx, { ...beta, title: 'Gamma' }, 'beta note');
    });
    expect(await linkTargets(source.id)).toEqual([]);

    await database.db.transaction(async (tx) => {
      await tx
        .update(notes)
        .set({ title: 'Beta Note', title_normalized: normalizeTitle('Beta Note') })
        .where(eq(notes.id, beta.id));
      await onNoteTitleOrArchiveChanged(tx, { ...beta, title: 'Beta Note' }, 'Gamma');
    });
    expect(await linkTargets(source.id)).toEqual([beta.id]);

    await database.db.transaction(async (tx) => {
      await tx.update(notes).set({ is_archived: true }).where(eq(notes.id, beta.id));
      await onNoteTitleOrArchiveChanged(tx, { ...beta, title: 'Beta Note', is_archived: true });
    });
    expect(await linkTargets(source.id)).toEqual([]);
  });

  it("never links to itself, to archived notes, or to another user's notes, and never touches their topics", async () => {
    const owner = await createOwner('iso-a@example.com');
    const other = await createOwner('iso-b@example.com');
    const othersNote = await createNote(other, 'Shared Name');
    await store(othersNote, buildBlockSuiteDocument('Shared Name', ['[[Shared Name]]']));
    const othersTopicsBefore = await database.db.select().from(topics).where(eq(topics.user_id, other.userId));

    await createNote(owner, 'Old Name', { archived: true });
    const self = await createNote(owner, 'Self');
    await store(self, buildBlockSuiteDocument('Self', ['[[Self]] [[Shared Name]] [[Old Name]]']));
    expect(await linkTargets(self.id)).toEqual([]);
    expect(await linkTargets(othersNote.id)).toEqual([]);
    const othersTopicsAfter = await database.db.select().from(topics).where(eq(topics.user_id, other.userId));
    expect(othersTopicsAfter).toEqual(othersTopicsBefore);
    const ownTopics = await database.db
      .select({ slug: topics.slug })
      .from(topics)
      .where(eq(topics.user_id, owner.userId));
    expect(ownTopics.map((t) => t.slug).sort()).toEqual(['old-name', 'self', 'shared-name']);
  });

  it('resolves native references by doc id, also when the document appears later', async () => {
    const owner = await createOwner('native@example.com');
    const source = await createNote(owner, 'Source');
    const doc = buildBlockSuiteDocument('Source', ['x']);
    const blocks = doc.getMap<Y.Map<unknown>>('blocks');
    const paragraph = [...blocks.values()].find((block) => block.get('sys:flavour') === 'affine:paragraph');
    (paragraph!.get('prop:text') as Y.Text).insert(1, ' ', { reference: { type: 'LinkedPage', pageId: 'future-doc' } });
    await store(source, doc);
    expect(await linkTargets(source.id)).toEqual([]);
    const future = await createNote(owner, null, { docId: 'future-doc' });
    expect(await linkTargets(source.id)).toEqual([future.id]);
  });

  it('re-storing an unchanged document changes no row', async () => {
    const owner = await createOwner('same@example.com');
    await createNote(owner, 'Target');
    const source = await createNote(owner, 'Same');
    const doc = buildBlockSuiteDocument('Same', ['[[Target]] and [[Topic A]]']);
    await store(source, doc);
    const snapshotRows = async () =>
      queryRows<{ t: string; x: string }>(
        database.db,
        sql`select 'note' as t, xmin::text as x from notes where id = ${source.id}
            union all select 'link', xmin::text from note_links where source_note_id = ${source.id}
            union all select 'topic', xmin::text from note_topics where note_id = ${source.id}
            union all select 'ref', xmin::text from note_references where note_id = ${source.id}
            union all select 'topics', xmin::text from topics where user_id = ${owner.userId}
            order by 1, 2`,
      );
    const before = await snapshotRows();
    const [versionBefore] = await database.db
      .select({ v: notes.sync_version, u: notes.updated_at })
      .from(notes)
      .where(eq(notes.id, source.id));
    await store(source, doc);
    expect(await snapshotRows()).toEqual(before);
    const [versionAfter] = await database.db
      .select({ v: notes.sync_version, u: notes.updated_at })
      .from(notes)
      .where(eq(notes.id, source.id));
    expect(versionAfter).toEqual(versionBefore);
  });

  it('an empty page title leaves the note title alone; deleting the paragraph drops its topic and link', async () => {
    const owner = await createOwner('empty@example.com');
    const target = await createNote(owner, 'Alpha');
    const source = await createNote(owner, 'Kept title');
    const doc = buildBlockSuiteDocument('', ['[[Alpha]]']);
    await store(source, doc);
    const [row] = await database.db.select({ title: notes.title }).from(notes).where(eq(notes.id, source.id));
    expect(row?.title).toBe('Kept title');
    expect(await linkTargets(source.id)).toEqual([target.id]);
    expect(await topicSlugsOf(source.id)).toEqual(['alpha']);

    const blocks = doc.getMap<Y.Map<unknown>>('blocks');
    const note = [...blocks.values()].find((block) => block.get('sys:flavour') === 'affine:note');
    (note!.get('sys:children') as Y.Array<string>).delete(0, 1);
    await store(source, doc);
    expect(await linkTargets(source.id)).toEqual([]);
    expect(await topicSlugsOf(source.id)).toEqual([]);
  });

  it('writes a large snapshot compressed with lz4 where the server has it, and reads it back alike', async () => {
    const owner = await createOwner('large@example.com');
    const note = await createNote(owner, null);
    const lines = Array.from({ length: 4000 }, (_, index) => `Paragraph ${index} about quarterly budgets and owners`);
    await store(note, buildBlockSuiteDocument('Large', lines));
    const [row] = await queryRows<{ method: string | null; lz4: boolean; blocks: number; text: string }>(
      database.db,
      sql`select pg_column_compression(blocksuite_snapshot) as method,
            exists (select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) as lz4,
            jsonb_array_length(blocksuite_snapshot->'blocks') as blocks, blocksuite_snapshot->>'text' as text
          from notes where id = ${note.id}`,
    );
    // PGlite is built without lz4; the PostgreSQL the tests run on has it.
    expect(row?.lz4).toBe(testEngine() === 'postgres');
    expect(row?.method).toBe(row?.lz4 ? 'lz4' : 'pglz');
    expect(row?.text).toBe(lines.join('\n'));
    expect(row?.blocks).toBeGreaterThan(4000);
    // Only for the store's transaction: the session's default is untouched.
    const [setting] = await queryRows<{ method: string }>(
      database.db,
      sql`select current_setting('default_toast_compression') as method`,
    );
    expect(setting?.method).toBe('pglz');
  });
});
