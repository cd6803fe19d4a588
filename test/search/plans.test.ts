// Every statement search sends runs on an index: with sequential scans priced out, no plan may
// fall back to reading a whole table (docs/search.md), for each type alone and all together.
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { parseSearchQuery, tsqueryFor } from '../../src/domain/search/search-query.ts';
import { planSearch, SEARCH_TYPES, showEntitiesSql, showNotesSql } from '../../src/domain/search/search-service.ts';
import { reindexBatchSql } from '../../src/domain/search/search-settings.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createContact, createNote, createOwner, type Owner, seedBulk } from './corpus.ts';

let database: TestDatabase;
let owner: Owner;
let noteId: string;
let contactId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  owner = await createOwner(database.db, 'plans@example.com');
  noteId = await createNote(database.db, owner, 'Budget review', ['numbers and more numbers']);
  contactId = await createContact(database.db, owner, { full_name: 'Budget Person' });
  // Many users with many rows each: the owner's rows are a small share of every table, as in
  // production, and scanning all of them is what the GIN index must avoid.
  for (const [index, user] of [
    owner,
    ...(await Promise.all([1, 2, 3, 4, 5].map((n) => createOwner(database.db, `bulk${n}@example.com`)))),
  ].entries())
    await seedBulk(database.db, user, 1000, index === 5);
}, 180_000);
afterAll(async () => database?.drop());

const TABLES = ['notes', 'note_search_chunks', 'contacts', 'tasks', 'projects', 'interactions', 'users'];

async function explain(statement: SQL): Promise<string> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const rows = await queryRows<Record<string, string>>(tx, sql`explain ${statement}`);
    return rows.map((row) => Object.values(row)[0]).join('\n');
  });
}

function expectIndexed(plan: string): void {
  for (const table of TABLES) expect(plan, plan).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
}

const languages = { chosen: 'neutral', applied: 'neutral' } as const;
// Notes' parts are reached through their GIN index only. For a metadata table the planner may also
// read the owner's rows through (user_id) and filter them, when it prices that lower (a small share
// of a small table, as here); both are index scans. The benchmark's EXPLAIN shows the GIN at scale.
const INDEXES_OF: Record<string, RegExp> = {
  notes: /idx_note_search_chunks_user_vector/,
  contacts: /idx_contacts_user_search|idx_contacts_user_id/,
  tasks: /idx_tasks_user_search|idx_tasks_user_id/,
  projects: /idx_projects_user_search|idx_projects_user_id/,
  interactions: /idx_interactions_user_search|idx_interactions_user_id/,
};

describe('search plans', () => {
  it.each([...SEARCH_TYPES, SEARCH_TYPES.join(',')].map((types): [string] => [types]))(
    'the page of %s hits runs on indexes',
    async (types) => {
      for (const q of ['budg', 'budget review', '"budget review" -old', 'item1']) {
        const plan = planSearch(owner, languages, { q, types });
        const text = await explain(plan.page!);
        expectIndexed(text);
        for (const type of types.split(',')) expect(text, text).toMatch(INDEXES_OF[type]!);
      }
    },
  );

  it('uses the indexes while a re-index runs (two languages at once)', async () => {
    const plan = planSearch(owner, { chosen: 'german', applied: 'neutral' }, { q: 'häuser', types: 'notes' });
    const text = await explain(plan.page!);
    expectIndexed(text);
    expect(text).toMatch(INDEXES_OF.notes!);
  });

  it('re-indexes a batch of notes and finds interrupted re-indexing on indexes', async () => {
    const batch = await explain(reindexBatchSql(owner.userId, 'german'));
    expectIndexed(batch);
    expect(batch).toMatch(/idx_notes_user/);
    const pending = await explain(sql`select id from users where search_language <> search_language_applied`);
    expectIndexed(pending);
    expect(pending).toContain('idx_users_search_reindex');
  });

  it('reads titles and snippets of the page by primary key', async () => {
    const query = tsqueryFor(parseSearchQuery('budget'), 'neutral')!;
    expectIndexed(await explain(showNotesSql(owner.userId, [{ id: noteId, chunk_no: 0 }], query)));
    for (const type of ['contacts', 'tasks', 'projects', 'interactions'] as const)
      expectIndexed(await explain(showEntitiesSql(owner.userId, type, [contactId], query)));
  });
});
