import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { postgresErrorOf } from '../../db/errors.ts';
import type { Logger } from '../../logger.ts';
import { DomainError, conflict, rateLimited, unauthorized } from '../errors.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { RateLimitRules } from '../rate-limit/rules.ts';
import { recordChanges } from '../change-feed.ts';
import {
  findCredentials,
  insertAccount,
  loadAccount,
  markLoggedIn,
  type ContactRow,
  type PublicUser,
} from './accounts.ts';
import type { AuthContext } from './auth-context.ts';
import { isValidEmail, normalizeEmail, requireValidEmail } from './email.ts';
import { createPasswordVerifier, hashPassword } from './passwords.ts';
import { createLoginThrottle, type ClientInfo } from './login-throttle.ts';
import type { SessionRevocations } from './session-revocations.ts';
import {
  activeSessionOwners,
  isSessionActive,
  openSession,
  revokeSession,
  rotateSession,
  type IssuedTokens,
} from './sessions.ts';
import { ACCESS_TOKEN_TTL_SECONDS, createTokenCodec } from './tokens.ts';

export interface RegisterInput {
  email: string;
  password: string;
  full_name: string;
  avatar_url?: string | null | undefined;
}

export interface LoginInput {
  email: string;
  password: string;
}

export type { ClientInfo };

export interface SignedIn extends IssuedTokens {
  user: PublicUser;
  contact_zero: ContactRow;
}

export interface AuthService {
  /** One transaction: user, Contact Zero, default folders, first session. 409 CONFLICT on a taken email. */
  register(input: RegisterInput, client: ClientInfo): Promise<SignedIn>;
  /** 401 INVALID_CREDENTIALS for an unknown email or a wrong password alike; 429 when throttled. */
  login(input: LoginInput, client: ClientInfo): Promise<SignedIn>;
  /**
   * Opens a session for a user another service has already proven (an identity provider's
   * sign-in, docs/identity-providers.md): the same answer as login. 401 for an inactive account.
   */
  signInVerified(userId: string, client: ClientInfo): Promise<SignedIn>;
  /**
   * Rotates the refresh token. The one just rotated, presented again within the grace, answers
   * the same pair; later, or any older one, revokes its session.
   */
  refresh(refreshToken: string): Promise<IssuedTokens>;
  /** Revokes the caller's session: its refresh token and every access token of it stop working. */
  logout(auth: AuthContext): Promise<void>;
  me(auth: AuthContext): Promise<{ user: PublicUser; contact_zero: ContactRow }>;
  /**
   * The one check of an access token, for every door (REST middleware, WebSocket auth and its
   * periodic re-auth): signature, algorithm, issuer, audience, type, expiry, and that the session
   * is still live. Throws DomainError UNAUTHORIZED.
   */
  verifyAccessToken(token: string): Promise<AuthContext>;
  /**
   * For tokens `verifyAccessToken` accepted earlier (the collaboration server's periodic
   * re-authentication): which of these sessions are still live, each with its user (a token is
   * good only for the user its session belongs to), in one query for all of them.
   */
  activeSessions(sessionIds: readonly string[]): Promise<Map<string, string>>;
  /** Epoch ms from which an access token verified earlier is refused as expired. */
  accessTokenValidUntil(token: string): number;
}

export interface AuthServiceDependencies {
  db: Db;
  jwtSecret: string;
  rateLimiter: RateLimiter;
  rules: RateLimitRules;
  logger: Logger;
  /** REFRESH_REUSE_GRACE_SECONDS (0: every second presentation is reuse). */
  refreshReuseGraceSeconds: number;
  revocations: SessionRevocations;
  /** Called after a registration committed (the verification mail); must not throw. */
  afterRegister?: (user: PublicUser) => void;
}

const invalidCredentials = () => new DomainError('INVALID_CREDENTIALS', 'The email or password is incorrect');

export function createAuthService(deps: AuthServiceDependencies): AuthService {
  const { db, rateLimiter, rules, logger } = deps;
  const codec = createTokenCodec(deps.jwtSecret);
  const passwords = createPasswordVerifier();

  const throttle = createLoginThrottle(rateLimiter, rules);
  const origin = (client: ClientInfo) => ({ userAgent: client.userAgent, ipAddress: client.ip });

  return {
    register: async (input, client) => {
      const email = requireValidEmail(input.email);
      if (client.address) {
        const decision = await rateLimiter.consume(rules.registerPerIp, client.address);
        if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
      }
      // Hashing takes tens of milliseconds: done before the transaction, not while holding it.
      const passwordHash = await hashPassword(input.password);
      try {
        const signedIn = await db.transaction(async (tx) => {
          const account = await insertAccount(tx, {
            email,
            passwordHash,
            fullName: input.full_name,
            avatarUrl: input.avatar_url ?? null,
          });
          const tokens = await openSession(
            tx,
            codec,
            { userId: account.user.id, email, contactZeroId: account.contactZero.id },
            origin(client),
          );
          await recordChanges(tx, account.user.id, account.changes);
          return { user: account.user, contact_zero: account.contactZero, ...publicTokens(tokens) };
        });
        deps.afterRegister?.(signedIn.user);
        return signedIn;
      } catch (error) {
        // Emails are stored normalized under a plain UNIQUE, so this is also the case-variant check.
        if (postgresErrorOf(error)?.code === '23505') {
          throw conflict('An account with this email already exists', [
            { field: 'email', message: 'is already registered' },
          ]);
        }
        throw error;
      }
    },

    login: async (input, client) => {
      const email = normalizeEmail(input.email);
      await throttle.refuseIfThrottled(email, client);
      const credentials = isValidEmail(email) ? await findCredentials(db, email) : undefined;
      // Runs the same argon2id work whether or not the account exists (a dummy hash otherwise).
      const matches = await passwords.verify(input.password, credentials?.password_hash);
      if (!credentials || !matches || credentials.status !== 'active') {
        await throttle.countFailure(email, client);
        throw invalidCredentials();
      }
      await throttle.clear(email, client);
      await markLoggedIn(db, credentials.id);
      const account = await loadAccount(db, credentials.id);
      if (!account) throw invalidCredentials();
      const tokens = await openSession(
        db,
        codec,
        { userId: account.user.id, email: account.user.email, contactZeroId: account.contactZero.id },
        origin(client),
      );
      return { user: account.user, contact_zero: account.contactZero, ...publicTokens(tokens) };
    },

    signInVerified: async (userId, client) => {
      const account = await loadAccount(db, userId);
      if (account?.user.status !== 'active') throw unauthorized('The account is not active');
      await markLoggedIn(db, userId);
      const tokens = await openSession(
        db,
        codec,
        { userId, email: account.user.email, contactZeroId: account.contactZero.id },
        origin(client),
      );
      return { user: account.user, contact_zero: account.contactZero, ...publicTokens(tokens) };
    },

    refresh: async (refreshToken) => {
      const claims = await codec.verifyRefreshToken(refreshToken);
      const account = await loadAccount(db, claims.userId);
      if (account?.user.status !== 'active') throw unauthorized('The token is invalid or expired');
      const nextGeneration = randomUUID();
      const outcome = await rotateSession(db, {
        sessionId: claims.sessionId,
        userId: claims.userId,
        presentedGeneration: claims.generation,
        nextGeneration,
        graceSeconds: deps.refreshReuseGraceSeconds,
      });
      if (outcome.kind === 'reused') {
        logger.warn(
          { user_id: claims.userId, session_id: claims.sessionId },
          'rotated refresh token presented again; session revoked',
        );
      }
      if (outcome.kind === 'reused') {
        await deps.revocations.publish({ userId: claims.userId, sessionIds: [claims.sessionId] });
      }
      if (outcome.kind !== 'rotated' && outcome.kind !== 'replayed') {
        throw unauthorized('The token is invalid or expired');
      }
      // Both tokens are signed at the rotation's point, so a replay gets them byte for byte.
      const at = { generation: outcome.generation, issuedAt: outcome.issuedAt };
      const refreshed = await codec.signRefreshToken({ userId: claims.userId, sessionId: claims.sessionId }, at);
      const accessToken = await codec.signAccessToken(
        {
          userId: claims.userId,
          email: account.user.email,
          contactZeroId: account.contactZero.id,
          sessionId: claims.sessionId,
        },
        at,
      );
      return { access_token: accessToken, refresh_token: refreshed.token, expires_in: ACCESS_TOKEN_TTL_SECONDS };
    },

    logout: async (auth) => {
      await revokeSession(db, auth.sessionId, auth.userId, 'logout');
      await deps.revocations.publish({ userId: auth.userId, sessionIds: [auth.sessionId] });
    },

    me: async (auth) => {
      const account = await loadAccount(db, auth.userId);
      if (!account) throw unauthorized();
      return { user: account.user, contact_zero: account.contactZero };
    },

    activeSessions: (sessionIds) => activeSessionOwners(db, sessionIds),
    accessTokenValidUntil: (token) => codec.accessTokenValidUntil(token),
    verifyAccessToken: async (token) => {
      const claims = await codec.verifyAccessToken(token);
      if (!(await isSessionActive(db, claims.sessionId, claims.userId)))
        throw unauthorized('The token is invalid or expired');
      return {
        userId: claims.userId,
        contactZeroId: claims.contactZeroId,
        sessionId: claims.sessionId,
        email: claims.email,
      };
    },
  };
}

function publicTokens(tokens: IssuedTokens): IssuedTokens {
  return { access_token: tokens.access_token, refresh_token: tokens.refresh_token, expires_in: tokens.expires_in };
}
