// A small multilingual corpus for the search tests: owners, notes stored through the real document
// path (updateNoteFromDocument writes snapshot and search parts), and metadata rows.
import { sql } from 'drizzle-orm';
import { contacts, interactions, notes, projects, tasks, users } from '../../src/db/schema/index.ts';
import type { Db } from '../../src/db/client.ts';
import { buildBlockSuiteDocument, normalizeTitle } from '../../src/domain/blocksuite/index.ts';
import type { AuthContext } from '../../src/domain/auth/auth-context.ts';
import { updateNoteFromDocument } from '../../src/domain/notes/document-derivatives.ts';

export interface Owner extends AuthContext {}

export async function createOwner(db: Db, email: string, language = 'neutral'): Promise<Owner> {
  const [user] = await db
    .insert(users)
    .values({ email, full_name: email, search_language: language, search_language_applied: language })
    .returning();
  const [zero] = await db
    .insert(contacts)
    .values({
      user_id: user!.id,
      full_name: 'Me Myself',
      is_contact_zero: true,
      relationship_domain: 'hybrid',
      relationship_role: 'self',
    })
    .returning();
  return { userId: user!.id, contactZeroId: zero!.id, sessionId: user!.id, email };
}

let counter = 0;

/** A note whose document has `title` and `paragraphs`, stored as a document store stores it. */
export async function createNote(
  db: Db,
  owner: Owner,
  title: string,
  paragraphs: string[],
  options: { archived?: boolean } = {},
): Promise<string> {
  counter += 1;
  const [note] = await db
    .insert(notes)
    .values({
      user_id: owner.userId,
      author_contact_id: owner.contactZeroId,
      blocksuite_doc_id: `search-doc-${counter}-${Math.random().toString(36).slice(2)}`,
      title,
      title_normalized: normalizeTitle(title),
      is_archived: options.archived ?? false,
    })
    .returning();
  await db.transaction((tx) => updateNoteFromDocument(tx, note!, buildBlockSuiteDocument(title, paragraphs)));
  return note!.id;
}

export async function createContact(db: Db, owner: Owner, fields: { full_name: string; company?: string }) {
  const [row] = await db
    .insert(contacts)
    .values({ user_id: owner.userId, relationship_domain: 'business', relationship_role: 'client', ...fields })
    .returning();
  return row!.id;
}

export async function createTask(db: Db, owner: Owner, title: string, description?: string) {
  const [row] = await db
    .insert(tasks)
    .values({ user_id: owner.userId, contact_id: owner.contactZeroId, title, description })
    .returning();
  return row!.id;
}

export async function createProject(db: Db, owner: Owner, name: string, description?: string) {
  const [row] = await db
    .insert(projects)
    .values({ user_id: owner.userId, primary_contact_id: owner.contactZeroId, name, description })
    .returning();
  return row!.id;
}

export async function createInteraction(db: Db, owner: Owner, summary: string) {
  const [row] = await db
    .insert(interactions)
    .values({
      user_id: owner.userId,
      contact_id: owner.contactZeroId,
      author_contact_id: owner.contactZeroId,
      type: 'call',
      summary,
      occurred_at: new Date(),
    })
    .returning();
  return row!.id;
}

/** Refreshes planner statistics so EXPLAIN sees the rows. */
export async function analyze(db: Db): Promise<void> {
  await db.execute(sql`analyze`);
}

/**
 * Rows of another user in every searched table, so plans are chosen on a table of realistic shape
 * (on a table of two rows any scan is as cheap as any other).
 */
export async function seedBulk(db: Db, owner: Owner, count: number, thenAnalyze = true): Promise<void> {
  await db.execute(sql`insert into notes (user_id, author_contact_id, blocksuite_doc_id, title)
    select ${owner.userId}, ${owner.contactZeroId}, 'bulk-' || i || '-' || gen_random_uuid(), 'bulk note ' || i || ' about item' || (i % 97)
    from generate_series(1, ${count}) i`);
  await db.execute(sql`insert into contacts (user_id, full_name, company, relationship_domain, relationship_role)
    select ${owner.userId}, 'Person ' || i, 'Company' || (i % 89), 'business', 'client' from generate_series(1, ${count}) i`);
  await db.execute(sql`insert into tasks (user_id, contact_id, title, description)
    select ${owner.userId}, ${owner.contactZeroId}, 'Task ' || i, 'do item' || (i % 83) from generate_series(1, ${count}) i`);
  await db.execute(sql`insert into projects (user_id, primary_contact_id, name, description)
    select ${owner.userId}, ${owner.contactZeroId}, 'Project ' || i, 'item' || (i % 79) from generate_series(1, ${count}) i`);
  await db.execute(sql`insert into interactions (user_id, contact_id, author_contact_id, type, summary, occurred_at)
    select ${owner.userId}, ${owner.contactZeroId}, ${owner.contactZeroId}, 'call', 'talked about item' || (i % 73), now()
    from generate_series(1, ${count}) i`);
  if (thenAnalyze) await analyze(db);
}
