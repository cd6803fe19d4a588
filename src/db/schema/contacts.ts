import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { primaryId, syncMetadata, timestamptz, tsvector, archivedIndex } from './columns.ts';
import { neutralVectorSql } from './search-text.ts';
import { users } from './users.ts';
import { textLengthChecks } from './text-limits.ts';

export const contacts = pgTable(
  'contacts',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    full_name: varchar({ length: 255 }).notNull(),
    email: varchar({ length: 255 }),
    phone: varchar({ length: 50 }),
    avatar_url: text(),
    is_contact_zero: boolean().notNull().default(false),
    relationship_domain: varchar({ length: 50 }).notNull(),
    relationship_role: varchar({ length: 100 }).notNull(),
    status: varchar({ length: 50 }).notNull().default('active'),
    frame_score: integer(),
    frame_trend: varchar({ length: 10 }),
    frame_last_scan_at: timestamptz(),
    last_contact_at: timestamptz(),
    next_action_at: timestamptz(),
    tags: text().array().default(sql`'{}'::text[]`),
    company: varchar({ length: 255 }),
    title: varchar({ length: 255 }),
    location: varchar({ length: 255 }),
    linkedin_url: text(),
    x_handle: varchar({ length: 255 }),
    ...syncMetadata(),
    // docs/search.md: what GET /search matches (neutral configuration: case and accents folded).
    search_vector: tsvector().generatedAlwaysAs(
      sql.raw(
        neutralVectorSql([
          ['full_name', 'A'],
          [
            "coalesce(company, '') || ' ' || coalesce(title, '') || ' ' || coalesce(email, '') || ' ' || coalesce(location, '')",
            'B',
          ],
        ]),
      ),
    ),
  },
  (t) => [
    ...textLengthChecks('contacts', t),
    check('valid_relationship_domain', sql`${t.relationship_domain} IN ('business', 'personal', 'hybrid')`),
    check('valid_status', sql`${t.status} IN ('active', 'dormant', 'blocked', 'testing', 'archived')`),
    check('valid_frame_score', sql`${t.frame_score} >= 0 AND ${t.frame_score} <= 100`),
    check('valid_frame_trend', sql`${t.frame_trend} IN ('up', 'down', 'flat')`),
    // The backend schema's inline `UNIQUE … WHERE` is not valid SQL; a partial unique index is
    // (docs/architecture.md, "Data model").
    uniqueIndex('uq_contacts_one_contact_zero_per_user').on(t.user_id).where(sql`${t.is_contact_zero}`),
    index('idx_contacts_user_id').on(t.user_id),
    index('idx_contacts_is_contact_zero').on(t.user_id, t.is_contact_zero).where(sql`${t.is_contact_zero} = TRUE`),
    index('idx_contacts_status').on(t.status).where(sql`${t.is_archived} = FALSE`),
    index('idx_contacts_tags').using('gin', t.tags),
    index('idx_contacts_next_action_at')
      .on(t.next_action_at)
      .where(sql`${t.next_action_at} IS NOT NULL AND ${t.is_archived} = FALSE`),
    index('idx_contacts_relationship_domain').on(t.relationship_domain),
    // Default list order for one user (`GET /contacts` sorts by updated_at desc).
    index('idx_contacts_user_search').using('gin', t.user_id, t.search_vector),
    index('idx_contacts_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_contacts_archived', t),
  ],
);
