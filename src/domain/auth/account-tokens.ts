// Single-use mailed tokens (password reset, email verification, email change). The token is 32
// random bytes; only its SHA-256 is stored (a database copy cannot be used), and it is spent by
// the one conditional UPDATE that also checks purpose and expiry, so two uses race to one winner.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { accountTokens } from '../../db/schema/users.ts';

export type AccountTokenPurpose = 'password_reset' | 'email_verify' | 'email_change';

export const ACCOUNT_TOKEN_TTL_SECONDS: Record<AccountTokenPurpose, number> = {
  password_reset: 60 * 60,
  email_verify: 7 * 24 * 60 * 60,
  email_change: 24 * 60 * 60,
};

/** Longer than any token we issue, shorter than anything a client could use to make us hash a lot. */
export const ACCOUNT_TOKEN_MAX_LENGTH = 128;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Issues a token for `email` (the address the mail goes to). Earlier unused tokens of the same
 * purpose stop working: only the latest mail's link does.
 */
export async function issueAccountToken(
  db: Db,
  input: { userId: string; purpose: AccountTokenPurpose; email: string },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .update(accountTokens)
    .set({ used_at: sql`now()` })
    .where(
      and(
        eq(accountTokens.user_id, input.userId),
        eq(accountTokens.purpose, input.purpose),
        isNull(accountTokens.used_at),
      ),
    );
  await db.insert(accountTokens).values({
    user_id: input.userId,
    purpose: input.purpose,
    token_hash: hashToken(token),
    email: input.email,
    expires_at: new Date(Date.now() + ACCOUNT_TOKEN_TTL_SECONDS[input.purpose] * 1000),
  });
  return token;
}

/** Spends the token: its user and address, or undefined when unknown, used, expired or of another purpose. */
export async function consumeAccountToken(
  db: Db,
  purposes: AccountTokenPurpose[],
  token: string,
): Promise<{ userId: string; email: string; purpose: AccountTokenPurpose } | undefined> {
  if (token.length === 0 || token.length > ACCOUNT_TOKEN_MAX_LENGTH) return undefined;
  const [row] = await db
    .update(accountTokens)
    .set({ used_at: sql`now()` })
    .where(
      and(
        eq(accountTokens.token_hash, hashToken(token)),
        sql`${accountTokens.purpose} in (${sql.join(
          purposes.map((purpose) => sql`${purpose}`),
          sql`, `,
        )})`,
        isNull(accountTokens.used_at),
        gt(accountTokens.expires_at, sql`now()`),
      ),
    )
    .returning({ userId: accountTokens.user_id, email: accountTokens.email, purpose: accountTokens.purpose });
  return row ? { userId: row.userId, email: row.email, purpose: row.purpose as AccountTokenPurpose } : undefined;
}
