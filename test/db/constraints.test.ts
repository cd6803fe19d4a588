import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contacts,
  folders,
  interactions,
  notes,
  pipelineItems,
  pipelineStageTemplates,
  pipelineTemplates,
  projects,
  tasks,
  users,
} from '../../src/db/schema/index.ts';
import { postgresErrorOf } from '../../src/db/errors.ts';
import { queryRows } from '../../src/db/rows.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

let database: TestDatabase;
let userId: string;
let contactId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const [user] = await database.db.insert(users).values({ email: 'owner@example.com', full_name: 'Owner' }).returning();
  userId = user!.id;
  const [zero] = await database.db
    .insert(contacts)
    .values({
      user_id: userId,
      full_name: 'Owner',
      is_contact_zero: true,
      relationship_domain: 'hybrid',
      relationship_role: 'self',
    })
    .returning();
  contactId = zero!.id;
});
afterAll(async () => database?.drop());

async function violation(
  write: () => Promise<unknown>,
): Promise<{ code: string | undefined; constraint: string | undefined }> {
  try {
    await write();
  } catch (error) {
    const pg = postgresErrorOf(error) as { code?: string; constraint_name?: string; constraint?: string } | undefined;
    return { code: pg?.code, constraint: pg?.constraint_name ?? pg?.constraint };
  }
  throw new Error('the write was accepted');
}

const contactValues = (overrides: Record<string, unknown> = {}) => ({
  user_id: userId,
  full_name: 'Someone',
  relationship_domain: 'business',
  relationship_role: 'client',
  ...overrides,
});

describe("the schema's constraints hold", () => {
  it('refuses a second Contact Zero for one user', async () => {
    const result = await violation(() => database.db.insert(contacts).values(contactValues({ is_contact_zero: true })));
    expect(result).toEqual({ code: '23505', constraint: 'uq_contacts_one_contact_zero_per_user' });
  });

  it('refuses a log note without a date_key', async () => {
    const result = await violation(() =>
      database.db
        .insert(notes)
        .values({ user_id: userId, author_contact_id: contactId, blocksuite_doc_id: 'log-1', kind: 'log' }),
    );
    expect(result).toEqual({ code: '23514', constraint: 'log_must_have_date' });
    await database.db.insert(notes).values({
      user_id: userId,
      author_contact_id: contactId,
      blocksuite_doc_id: 'log-2',
      kind: 'log',
      date_key: '2026-01-02',
    });
  });

  it.each([
    [
      'users.status',
      () => database.db.insert(users).values({ email: 'x1@example.com', full_name: 'X', status: 'gone' }),
      'valid_status',
    ],
    ['users.email', () => database.db.insert(users).values({ email: 'not-an-email', full_name: 'X' }), 'valid_email'],
    [
      'contacts.relationship_domain',
      () => database.db.insert(contacts).values(contactValues({ relationship_domain: 'work' })),
      'valid_relationship_domain',
    ],
    ['contacts.status', () => database.db.insert(contacts).values(contactValues({ status: 'lost' })), 'valid_status'],
    [
      'contacts.frame_score above 100',
      () => database.db.insert(contacts).values(contactValues({ frame_score: 101 })),
      'valid_frame_score',
    ],
    [
      'contacts.frame_score below 0',
      () => database.db.insert(contacts).values(contactValues({ frame_score: -1 })),
      'valid_frame_score',
    ],
    [
      'contacts.frame_trend',
      () => database.db.insert(contacts).values(contactValues({ frame_trend: 'sideways' })),
      'valid_frame_trend',
    ],
    [
      'notes.kind',
      () =>
        database.db
          .insert(notes)
          .values({ user_id: userId, author_contact_id: contactId, blocksuite_doc_id: 'k', kind: 'memo' }),
      'valid_kind',
    ],
    [
      'notes.preferred_view',
      () =>
        database.db
          .insert(notes)
          .values({ user_id: userId, author_contact_id: contactId, blocksuite_doc_id: 'v', preferred_view: 'grid' }),
      'valid_preferred_view',
    ],
    [
      'tasks.status',
      () => database.db.insert(tasks).values({ user_id: userId, contact_id: contactId, title: 't', status: 'doing' }),
      'valid_status',
    ],
    [
      'interactions.type',
      () =>
        database.db.insert(interactions).values({
          user_id: userId,
          contact_id: contactId,
          author_contact_id: contactId,
          type: 'fax',
          summary: 's',
          occurred_at: new Date(),
        }),
      'valid_type',
    ],
    [
      'projects.status',
      () =>
        database.db
          .insert(projects)
          .values({ user_id: userId, primary_contact_id: contactId, name: 'p', status: 'paused' }),
      'valid_status',
    ],
    [
      'projects.priority',
      () =>
        database.db
          .insert(projects)
          .values({ user_id: userId, primary_contact_id: contactId, name: 'p', priority: 'urgent' }),
      'valid_priority',
    ],
    [
      'pipeline_templates.domain',
      () => database.db.insert(pipelineTemplates).values({ user_id: userId, name: 'p', domain: 'work' }),
      'valid_domain',
    ],
  ])('CHECK on %s', async (_name, write, constraint) => {
    expect(await violation(write)).toEqual({ code: '23514', constraint });
  });

  it('CHECK on pipeline_items.status', async () => {
    const [template] = await database.db
      .insert(pipelineTemplates)
      .values({ user_id: userId, name: 'Sales', domain: 'business' })
      .returning();
    const [stage] = await database.db
      .insert(pipelineStageTemplates)
      .values({ template_id: template!.id, name: 'Lead', sort_order: 0 })
      .returning();
    const item = { user_id: userId, template_id: template!.id, current_stage_id: stage!.id, contact_id: contactId };
    expect(await violation(() => database.db.insert(pipelineItems).values({ ...item, status: 'maybe' }))).toEqual({
      code: '23514',
      constraint: 'valid_status',
    });
    await database.db.insert(pipelineItems).values({ ...item, status: 'won', value: 1234.5 });
  });

  it('finds rows by a GIN tag query and by full-text search', async () => {
    await database.db
      .insert(contacts)
      .values([
        contactValues({ full_name: 'Tagged', tags: ['vip', 'investor'] }),
        contactValues({ full_name: 'Other', tags: ['vip'] }),
      ]);
    const tagged = await queryRows<{ full_name: string }>(
      database.db,
      sql`select full_name from contacts where user_id = ${userId} and tags @> array['vip', 'investor']`,
    );
    expect(tagged.map((row) => row.full_name)).toEqual(['Tagged']);

    await database.db.insert(notes).values([
      {
        user_id: userId,
        author_contact_id: contactId,
        blocksuite_doc_id: 'fts-1',
        title: 'Quarterly planning',
        blocksuite_snapshot: {
          title: 'Quarterly planning',
          text: 'We discussed the budget for hiring engineers',
          blocks: [],
        },
      },
      {
        user_id: userId,
        author_contact_id: contactId,
        blocksuite_doc_id: 'fts-2',
        title: 'Groceries',
        blocksuite_snapshot: { title: 'Groceries', text: 'milk and eggs', blocks: [] },
      },
    ]);
    const found = await queryRows<{ blocksuite_doc_id: string }>(
      database.db,
      sql`select blocksuite_doc_id from notes where search_vector @@ websearch_to_tsquery('english', 'engineer budget')`,
    );
    expect(found.map((row) => row.blocksuite_doc_id)).toEqual(['fts-1']);
  });

  it('cascades the deletion of a user to every row of theirs', async () => {
    const [other] = await database.db
      .insert(users)
      .values({ email: 'leaving@example.com', full_name: 'Leaving' })
      .returning();
    const [zero] = await database.db
      .insert(contacts)
      .values(contactValues({ user_id: other!.id, is_contact_zero: true }))
      .returning();
    await database.db.insert(folders).values({ user_id: other!.id, name: 'Projects', is_default: true });
    await database.db
      .insert(notes)
      .values({ user_id: other!.id, author_contact_id: zero!.id, blocksuite_doc_id: 'leaving-doc' });
    await database.db.insert(tasks).values({ user_id: other!.id, contact_id: zero!.id, title: 'bye' });

    await database.db.execute(sql`delete from users where id = ${other!.id}`);
    for (const table of ['contacts', 'folders', 'notes', 'tasks']) {
      const [row] = await queryRows<{ count: number }>(
        database.db,
        sql`select count(*)::int as count from ${sql.identifier(table)} where user_id = ${other!.id}`,
      );
      expect(row?.count, table).toBe(0);
    }
  });
});
