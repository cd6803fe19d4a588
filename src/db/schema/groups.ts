import { index, pgTable, primaryKey, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, primaryId, syncMetadata, archivedIndex } from './columns.ts';
import { contacts } from './contacts.ts';
import { users } from './users.ts';
import { textLengthChecks } from './text-limits.ts';

export const groups = pgTable(
  'groups',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: varchar({ length: 255 }).notNull(),
    description: text(),
    banner_url: text(),
    ...syncMetadata(),
  },
  (t) => [
    ...textLengthChecks('groups', t),
    index('idx_groups_user_id').on(t.user_id),
    index('idx_groups_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_groups_archived', t),
  ],
);

export const groupMemberships = pgTable(
  'group_memberships',
  {
    group_id: uuid()
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    contact_id: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    joined_at: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.group_id, t.contact_id] }),
    index('idx_group_memberships_contact_id').on(t.contact_id),
    index('idx_group_memberships_group_id').on(t.group_id),
  ],
);
