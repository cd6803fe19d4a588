// Sign-in through OpenID Connect providers (docs/identity-providers.md).
import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text, unique, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, primaryId, timestamptz } from './columns.ts';
import { users } from './users.ts';

/**
 * A provider account linked to a user. The provider's (issuer, subject) pair is what identifies a
 * person there (an email can change hands); `provider` is the configured name, kept for display.
 */
export const userIdentities = pgTable(
  'user_identities',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: varchar({ length: 50 }).notNull(),
    issuer: text().notNull(),
    subject: varchar({ length: 255 }).notNull(),
    email: varchar({ length: 255 }),
    email_verified: boolean().notNull().default(false),
    created_at: createdAt(),
    last_used_at: timestamptz(),
  },
  (t) => [
    unique('user_identities_issuer_subject_key').on(t.issuer, t.subject),
    index('idx_user_identities_user_id').on(t.user_id),
  ],
);

/**
 * A sign-in started at a provider and not yet come back: what the callback must check (state,
 * nonce, PKCE verifier, the browser that started it). Found by the hash of its state and deleted
 * by the callback that uses it, so a state works once. Lives ten minutes.
 */
export const oidcFlows = pgTable(
  'oidc_flows',
  {
    id: primaryId(),
    state_hash: varchar({ length: 64 }).notNull().unique('oidc_flows_state_hash_key'),
    provider: varchar({ length: 50 }).notNull(),
    code_verifier: varchar({ length: 128 }).notNull(),
    nonce: varchar({ length: 128 }).notNull(),
    /** Hash of the random value in the starting browser's cookie. */
    browser_hash: varchar({ length: 64 }).notNull(),
    redirect_uri: text().notNull(),
    /** Set when a signed-in user links a provider account instead of signing in. */
    link_user_id: uuid().references(() => users.id, { onDelete: 'cascade' }),
    created_at: createdAt(),
    expires_at: timestamptz().notNull(),
  },
  (t) => [index('idx_oidc_flows_expires_at').on(t.expires_at)],
);

/**
 * One-time codes, stored hashed, deleted when used, valid 60 seconds: `sign_in` codes the app
 * exchanges for tokens after a callback (tokens never travel in a URL), `link` tickets that carry
 * a signed-in user from the API call to the browser's start of a linking flow.
 */
export const oidcCodes = pgTable(
  'oidc_codes',
  {
    code_hash: varchar({ length: 64 }).primaryKey(),
    purpose: varchar({ length: 20 }).notNull(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: varchar({ length: 50 }).notNull(),
    /** A sign-in that created the account answers 201, like registration. */
    account_created: boolean().notNull().default(false),
    created_at: createdAt(),
    expires_at: timestamptz().notNull(),
  },
  (t) => [
    check('oidc_codes_valid_purpose', sql`${t.purpose} IN ('sign_in', 'link')`),
    index('idx_oidc_codes_expires_at').on(t.expires_at),
  ],
);
