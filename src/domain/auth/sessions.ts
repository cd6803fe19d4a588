import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { preparedStatement, textArray } from '../../db/prepared.ts';
import { authSessions, users } from '../../db/schema/users.ts';
import { ownedRow } from '../ownership.ts';
import { isUuid } from '../uuid.ts';
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS, type AccessClaims, type TokenCodec } from './tokens.ts';

export type SessionRevocationReason =
  | 'logout'
  | 'logout_all'
  | 'refresh_token_reuse'
  | 'password_changed'
  | 'password_reset'
  | 'revoked_by_user';

/** Where a session was opened, for the session list. */
export interface SessionOrigin {
  userAgent: string | undefined;
  ipAddress: string | undefined;
}

const USER_AGENT_MAX_LENGTH = 512;
const IP_ADDRESS_MAX_LENGTH = 64;

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
  origin?: SessionOrigin,
): Promise<IssuedTokens & { sessionId: string }> {
  const sessionId = randomUUID();
  const refresh = await codec.signRefreshToken({ userId: identity.userId, sessionId });
  await db.insert(authSessions).values({
    id: sessionId,
    user_id: identity.userId,
    refresh_generation: refresh.generation,
    expires_at: sessionExpiry(),
    user_agent: origin?.userAgent?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
    ip_address: origin?.ipAddress?.slice(0, IP_ADDRESS_MAX_LENGTH) ?? null,
  });
  const accessToken = await codec.signAccessToken({ ...identity, sessionId });
  return { sessionId, access_token: accessToken, refresh_token: refresh.token, expires_in: ACCESS_TOKEN_TTL_SECONDS };
}

export type RotationOutcome =
  /** `generation` and `issuedAt` are the signing point of the pair to answer. */
  { kind: 'rotated' | 'replayed'; generation: string; issuedAt: number } | { kind: 'reused' } | { kind: 'refused' };

/**
 * Moves the session to `nextGeneration` if `presentedGeneration` is its current one. A session
 * lasts 30 days from its latest refresh, so a device in use stays signed in.
 *
 * The generation just replaced, presented again within `graceSeconds` of that rotation, is two
 * tabs or a network retry refreshing at once: it answers the same pair as the first time
 * (`replayed`, re-signed from the stored generation and rotation time). Any other validly signed
 * refresh token of this session whose generation is not the current one was issued earlier and
 * has been used already: someone holds a copy. The session is revoked so both the thief and the
 * owner must sign in again. The conditional UPDATE lets exactly one of racing refreshes rotate.
 */
export async function rotateSession(
  db: Db,
  target: {
    sessionId: string;
    userId: string;
    presentedGeneration: string;
    nextGeneration: string;
    graceSeconds: number;
  },
): Promise<RotationOutcome> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const rotated = await db
    .update(authSessions)
    .set({
      refresh_generation: target.nextGeneration,
      previous_generation: target.presentedGeneration,
      // Whole seconds: it is also the new tokens' `iat`, from which a replay re-signs them.
      last_refreshed_at: new Date(issuedAt * 1000),
      expires_at: sessionExpiry(),
    })
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
  if (rotated.length === 1) return { kind: 'rotated', generation: target.nextGeneration, issuedAt };

  const withinGrace = and(
    eq(authSessions.previous_generation, target.presentedGeneration),
    gt(authSessions.last_refreshed_at, sql`now() - make_interval(secs => ${target.graceSeconds})`),
  );
  if (target.graceSeconds > 0) {
    const [replay] = await db
      .select({ generation: authSessions.refresh_generation, rotatedAt: authSessions.last_refreshed_at })
      .from(authSessions)
      .where(
        and(
          eq(authSessions.id, target.sessionId),
          eq(authSessions.user_id, target.userId),
          isNull(authSessions.revoked_at),
          gt(authSessions.expires_at, sql`now()`),
          withinGrace,
        ),
      )
      .limit(1);
    if (replay) {
      return {
        kind: 'replayed',
        generation: replay.generation,
        issuedAt: Math.floor(replay.rotatedAt.getTime() / 1000),
      };
    }
  }

  const revoked = await db
    .update(authSessions)
    .set({ revoked_at: sql`now()`, revoked_reason: 'refresh_token_reuse' satisfies SessionRevocationReason })
    .where(
      and(
        eq(authSessions.id, target.sessionId),
        eq(authSessions.user_id, target.userId),
        ne(authSessions.refresh_generation, target.presentedGeneration),
        isNull(authSessions.revoked_at),
        // A replay that became one between the two statements is not reuse.
        ...(target.graceSeconds > 0 ? [sql`not coalesce(${withinGrace}, false)`] : []),
      ),
    )
    .returning({ id: authSessions.id });
  return revoked.length === 1 ? { kind: 'reused' } : { kind: 'refused' };
}

/** True when the session was the user's and live until now. */
export async function revokeSession(
  db: Db,
  sessionId: string,
  userId: string,
  reason: SessionRevocationReason,
): Promise<boolean> {
  const revoked = await db
    .update(authSessions)
    .set({ revoked_at: sql`now()`, revoked_reason: reason })
    .where(and(ownedRow(authSessions, userId, sessionId), isNull(authSessions.revoked_at)))
    .returning({ id: authSessions.id });
  return revoked.length === 1;
}

/** Revokes every live session of the user except `keepSessionId` (when given); returns the revoked ids. */
export async function revokeUserSessions(
  db: Db,
  userId: string,
  reason: SessionRevocationReason,
  keepSessionId?: string,
): Promise<string[]> {
  const revoked = await db
    .update(authSessions)
    .set({ revoked_at: sql`now()`, revoked_reason: reason })
    .where(
      and(
        eq(authSessions.user_id, userId),
        isNull(authSessions.revoked_at),
        ...(keepSessionId ? [ne(authSessions.id, keepSessionId)] : []),
      ),
    )
    .returning({ id: authSessions.id });
  return revoked.map((row) => row.id);
}

export interface SessionSummary {
  id: string;
  created_at: Date;
  /** The latest refresh (a device refreshes at least hourly while in use). */
  last_used_at: Date;
  expires_at: Date;
  user_agent: string | null;
  ip_address: string | null;
}

/** The user's live sessions, most recently used first. */
export async function listSessions(db: Db, userId: string): Promise<SessionSummary[]> {
  return db
    .select({
      id: authSessions.id,
      created_at: authSessions.created_at,
      last_used_at: authSessions.last_refreshed_at,
      expires_at: authSessions.expires_at,
      user_agent: authSessions.user_agent,
      ip_address: authSessions.ip_address,
    })
    .from(authSessions)
    .where(
      and(eq(authSessions.user_id, userId), isNull(authSessions.revoked_at), gt(authSessions.expires_at, sql`now()`)),
    )
    .orderBy(desc(authSessions.last_refreshed_at), desc(authSessions.created_at))
    .limit(MAX_LISTED_SESSIONS);
}

/** A bound on one answer; a person has far fewer devices, a script logging in in a loop does not. */
export const MAX_LISTED_SESSIONS = 500;

/** A live session: neither revoked nor expired, of an active user (joined as `users`). */
const sessionIsLive = () =>
  and(isNull(authSessions.revoked_at), gt(authSessions.expires_at, sql`now()`), eq(users.status, 'active'));

/**
 * True while the session is neither revoked nor expired and its user is active. Asked on every
 * verification of an access token (a primary-key lookup), so logout and theft detection take
 * effect at once instead of when the access token expires.
 */
export async function isSessionActive(db: Db, sessionId: string, userId: string): Promise<boolean> {
  return (await liveSession(db, { sessionId, userId })).length === 1;
}

// Prepared (db/prepared.ts): every request with an access token asks it.
const liveSession = preparedStatement<{ sessionId: string; userId: string }>(
  'live_session',
  (p) => sql`select ${authSessions.id} from ${authSessions} inner join ${users} on ${users.id} = ${authSessions.user_id}
    where ${authSessions.id} = ${p.sessionId}::uuid and ${authSessions.user_id} = ${p.userId}::uuid and ${sessionIsLive()}
    limit 1`,
);

/** Most sessions asked about in one statement. */
const ACTIVE_SESSIONS_CHUNK = 1000;

/**
 * `isSessionActive` for many sessions in one statement per thousand (the collaboration server's
 * periodic re-authentication of every open socket): each session still active, with its user.
 * A caller compares that user with the one the token names, as `isSessionActive` does.
 */
export async function activeSessionOwners(db: Db, sessionIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(sessionIds)].filter(isUuid);
  const owners = new Map<string, string>();
  for (let start = 0; start < ids.length; start += ACTIVE_SESSIONS_CHUNK) {
    const rows = await liveSessionOwners(db, { ids: textArray(ids.slice(start, start + ACTIVE_SESSIONS_CHUNK)) });
    for (const row of rows) owners.set(row.id, row.user_id);
  }
  return owners;
}

const liveSessionOwners = preparedStatement<{ ids: string }, { id: string; user_id: string }>(
  'live_session_owners',
  (p) => sql`select ${authSessions.id} as id, ${authSessions.user_id} as user_id
    from ${authSessions} inner join ${users} on ${users.id} = ${authSessions.user_id}
    where ${authSessions.id} = any(${p.ids}::uuid[]) and ${sessionIsLive()}`,
);
