import { randomUUID } from 'node:crypto';
import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { authSessions, users } from '../../db/schema/users.ts';
import { ownedRow } from '../ownership.ts';
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS, type AccessClaims, type TokenCodec } from './tokens.ts';

export type SessionRevocationReason = 'logout' | 'refresh_token_reuse';

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  /** Seconds until the access token expires. */
  expires_in: number;
}

const sessionExpiry = () => new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000);

/**
 * Starts a session (one signed-in device) and issues its first token pair. The session id is
 * chosen here because the refresh token must carry it before the row exists.
 */
export async function openSession(
  db: Db,
  codec: TokenCodec,
  identity: Omit<AccessClaims, 'sessionId'>,
): Promise<IssuedTokens & { sessionId: string }> {
  const sessionId = randomUUID();
  const refresh = await codec.signRefreshToken({ userId: identity.userId, sessionId });
  await db.insert(authSessions).values({
    id: sessionId,
    user_id: identity.userId,
    refresh_generation: refresh.generation,
    expires_at: sessionExpiry(),
  });
  const accessToken = await codec.signAccessToken({ ...identity, sessionId });
  return { sessionId, access_token: accessToken, refresh_token: refresh.token, expires_in: ACCESS_TOKEN_TTL_SECONDS };
}

export type RotationOutcome = { kind: 'rotated' } | { kind: 'reused' } | { kind: 'refused' };

/**
 * Moves the session to `nextGeneration` if `presentedGeneration` is its current one. A session
 * lasts 30 days from its latest refresh, so a device in use stays signed in.
 *
 * A validly signed refresh token of this session whose generation is not the current one was
 * issued earlier and has been used already: someone holds a copy. The session is revoked so both
 * the thief and the owner must sign in again. Two refreshes racing with the same token end the
 * same way: the conditional UPDATE lets exactly one of them win.
 */
export async function rotateSession(
  db: Db,
  target: { sessionId: string; userId: string; presentedGeneration: string; nextGeneration: string },
): Promise<RotationOutcome> {
  const rotated = await db
    .update(authSessions)
    .set({ refresh_generation: target.nextGeneration, last_refreshed_at: sql`now()`, expires_at: sessionExpiry() })
    .where(
      and(
        eq(authSessions.id, target.sessionId),
        eq(authSessions.user_id, target.userId),
        eq(authSessions.refresh_generation, target.presentedGeneration),
        isNull(authSessions.revoked_at),
        gt(authSessions.expires_at, sql`now()`),
      ),
    )
    .returning({ id: authSessions.id });
  if (rotated.length === 1) return { kind: 'rotated' };

  const revoked = await db
    .update(authSessions)
    .set({ revoked_at: sql`now()`, revoked_reason: 'refresh_token_reuse' satisfies SessionRevocationReason })
    .where(
      and(
        eq(authSessions.id, target.sessionId),
        eq(authSessions.user_id, target.userId),
        ne(authSessions.refresh_generation, target.presentedGeneration),
        isNull(authSessions.revoked_at),
      ),
    )
    .returning({ id: authSessions.id });
  return revoked.length === 1 ? { kind: 'reused' } : { kind: 'refused' };
}

export async function revokeSession(
  db: Db,
  sessionId: string,
  userId: string,
  reason: SessionRevocationReason,
): Promise<void> {
  await db
    .update(authSessions)
    .set({ revoked_at: sql`now()`, revoked_reason: reason })
    .where(and(ownedRow(authSessions, userId, sessionId), isNull(authSessions.revoked_at)));
}

/**
 * True while the session is neither revoked nor expired and its user is active. Asked on every
 * verification of an access token (a primary-key lookup), so logout and theft detection take
 * effect at once instead of when the access token expires.
 */
export async function isSessionActive(db: Db, sessionId: string, userId: string): Promise<boolean> {
  const rows = await db
    .select({ id: authSessions.id })
    .from(authSessions)
    .innerJoin(users, eq(users.id, authSessions.user_id))
    .where(
      and(
        eq(authSessions.id, sessionId),
        eq(authSessions.user_id, userId),
        isNull(authSessions.revoked_at),
        gt(authSessions.expires_at, sql`now()`),
        eq(users.status, 'active'),
      ),
    )
    .limit(1);
  return rows.length === 1;
}
