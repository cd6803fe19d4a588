import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, primaryId, timestamptz } from './columns.ts';
import { DEFAULT_SEARCH_LANGUAGE, SEARCH_LANGUAGES } from './search-text.ts';
import { textLengthChecks } from './text-limits.ts';

const languageList = SEARCH_LANGUAGES.map((language) => `'${language}'`).join(', ');

export const users = pgTable(
  'users',
  {
    id: primaryId(),
    // Stored trimmed and lower-cased, so the plain UNIQUE makes emails unique case-insensitively.
    email: varchar({ length: 255 }).notNull().unique('users_email_key'),
    email_verified_at: timestamptz(),
    password_hash: varchar({ length: 255 }),
    full_name: varchar({ length: 255 }).notNull(),
    avatar_url: text(),
    phone: varchar({ length: 50 }),
    status: varchar({ length: 50 }).notNull().default('active'),
    created_at: createdAt(),
    updated_at: timestamptz().notNull().defaultNow(),
    last_login_at: timestamptz(),
    // docs/search.md: the language notes are stemmed in, and the one they are indexed in now. They
    // differ while a change of language is re-indexing the user's notes in the background.
    search_language: varchar({ length: 20 }).notNull().default(DEFAULT_SEARCH_LANGUAGE),
    search_language_applied: varchar({ length: 20 }).notNull().default(DEFAULT_SEARCH_LANGUAGE),
  },
  (t) => [
    ...textLengthChecks('users', t),
    check('valid_email', sql`${t.email} ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$'`),
    check('valid_status', sql`${t.status} IN ('active', 'suspended', 'deleted')`),
    check('email_is_lower_case', sql`${t.email} = lower(${t.email})`),
    index('idx_users_email').on(t.email),
    index('idx_users_status').on(t.status),
    index('idx_users_created_at').on(t.created_at),
    check('valid_search_language', sql`${t.search_language} IN (${sql.raw(languageList)})`),
    // Users whose notes still need re-indexing: looked up at start-up to resume an interrupted run.
    index('idx_users_search_reindex').on(t.id).where(sql`${t.search_language} <> ${t.search_language_applied}`),
  ],
);

/**
 * One row per signed-in device. The refresh token carries the session id and a generation
 * number; only the current generation may refresh. Presenting an older generation means the
 * token was copied, so the whole session is revoked (refresh-token rotation with reuse detection).
 */
export const authSessions = pgTable(
  'auth_sessions',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    refresh_generation: varchar({ length: 64 }).notNull(),
    created_at: createdAt(),
    last_refreshed_at: timestamptz().notNull().defaultNow(),
    expires_at: timestamptz().notNull(),
    revoked_at: timestamptz(),
    revoked_reason: varchar({ length: 50 }),
    // The generation this session's latest refresh replaced: presented again within
    // REFRESH_REUSE_GRACE_SECONDS of last_refreshed_at it answers the same pair again (two tabs
    // or a network retry refreshing at once), later it is reuse (docs/accounts.md).
    previous_generation: varchar({ length: 64 }),
    // Shown in the session list so a person can tell their devices apart; truncated on write.
    user_agent: varchar({ length: 512 }),
    ip_address: varchar({ length: 64 }),
  },
  (t) => [index('idx_auth_sessions_user_id').on(t.user_id)],
);

/**
 * Single-use tokens sent by mail (password reset, email verification, email change). Only the
 * SHA-256 of the token is stored, so a database copy cannot be used to take over an account.
 * `email` is the address the mail went to: verification holds only while it is still the
 * account's address, and an email change switches to it.
 */
export const accountTokens = pgTable(
  'account_tokens',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: varchar({ length: 32 }).notNull(),
    token_hash: varchar({ length: 64 }).notNull().unique('account_tokens_token_hash_key'),
    email: varchar({ length: 255 }).notNull(),
    created_at: createdAt(),
    expires_at: timestamptz().notNull(),
    used_at: timestamptz(),
  },
  (t) => [
    check('valid_purpose', sql`${t.purpose} IN ('password_reset', 'email_verify', 'email_change')`),
    index('idx_account_tokens_user_id').on(t.user_id),
  ],
);
