// The account lifecycle beyond signing in (docs/accounts.md): passwords (change, forgot, reset),
// the email address (verify, resend, change), sessions (list, end one, end all) and closing the
// account. Every flow that mails answers EMAIL_NOT_CONFIGURED before doing anything when no mail
// can be sent; nothing here tells a caller whether an address has an account.
import { and, asc, eq, sql } from 'drizzle-orm';
import { bumpVersion } from '../versioning.ts';
import type { Db } from '../../db/client.ts';
import { postgresErrorOf } from '../../db/errors.ts';
import { contacts } from '../../db/schema/contacts.ts';
import { blobs } from '../../db/schema/blobs.ts';
import { notes } from '../../db/schema/notes.ts';
import { pipelineItems } from '../../db/schema/pipelines.ts';
import { projects } from '../../db/schema/projects.ts';
import { tasks } from '../../db/schema/tasks.ts';
import { users } from '../../db/schema/users.ts';
import type { Logger } from '../../logger.ts';
import type { BlobStore } from '../blobs/blob-store.ts';
import { DomainError, conflict, fieldError, notFound, rateLimited, unauthorized } from '../errors.ts';
import type { Mailer, MailMessage } from '../mail/mailer.ts';
import { refuseIfAnyDenied, type RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { RateLimitRules } from '../rate-limit/rules.ts';
import { recordChange } from '../change-feed.ts';
import type { AccountMail } from './account-mail.ts';
import { consumeAccountToken, issueAccountToken } from './account-tokens.ts';
import { findActiveUserByEmail, findCredentialsById, setPasswordHash, type PublicUser } from './accounts.ts';
import type { AuthContext } from './auth-context.ts';
import { isValidEmail, normalizeEmail, requireValidEmail } from './email.ts';
import { createLoginThrottle, type ClientInfo } from './login-throttle.ts';
import { createPasswordVerifier, hashPassword } from './passwords.ts';
import type { SessionRevocations } from './session-revocations.ts';
import { listSessions, revokeSession, revokeUserSessions, type SessionSummary } from './sessions.ts';

export interface SessionView extends SessionSummary {
  /** True for the session whose access token made this request. */
  current: boolean;
}

export interface AccountService {
  /** Revokes every other session of the user. 401 INVALID_CREDENTIALS for a wrong current password. */
  changePassword(
    auth: AuthContext,
    input: { current_password: string; new_password: string },
    client: ClientInfo,
  ): Promise<void>;
  /**
   * Mails a reset link when the address has an active account. Answers the same, as fast, either
   * way: the lookup and the mail happen after the answer. 429 past the per-email or per-address budget.
   */
  forgotPassword(input: { email: string }, client: ClientInfo): Promise<void>;
  /** Single use, one hour; sets the password (also for accounts without one) and revokes every session. */
  resetPassword(input: { token: string; new_password: string }): Promise<void>;
  /** Confirms the address (verification) or switches to it (email change). */
  verifyEmail(input: { token: string }): Promise<void>;
  resendVerification(auth: AuthContext): Promise<void>;
  /** Mails a confirmation to the new address; the account switches only when it is confirmed. */
  changeEmail(auth: AuthContext, input: { new_email: string; password: string }, client: ClientInfo): Promise<void>;
  listSessions(auth: AuthContext): Promise<SessionView[]>;
  /** 404 NOT_FOUND for a session that is not the caller's or is already ended. */
  endSession(auth: AuthContext, sessionId: string): Promise<void>;
  /** Ends every session of the caller, this one included. */
  logoutAll(auth: AuthContext): Promise<void>;
  /** After registration: the verification mail, in the background (a failure is logged). */
  sendVerificationInBackground(user: PublicUser): void;
  /** Deletes the user and everything of theirs (docs/accounts.md), after checking the password. */
  deleteAccount(auth: AuthContext, input: { password: string }, client: ClientInfo): Promise<void>;
  /** Waits for background mail work (shutdown, tests). */
  settle(): Promise<void>;
}

export interface AccountServiceDependencies {
  db: Db;
  mailer: Mailer;
  mail: AccountMail;
  rateLimiter: RateLimiter;
  rules: RateLimitRules;
  revocations: SessionRevocations;
  /** Where blob bytes live: they have no row referencing the user, so deletion removes them itself. */
  blobStore: Pick<BlobStore, 'remove'>;
  logger: Logger;
}

const invalidCredentials = () => new DomainError('INVALID_CREDENTIALS', 'The password is incorrect');
const invalidLink = () => fieldError('token', 'is invalid, expired or already used');

export function createAccountService(deps: AccountServiceDependencies): AccountService {
  const { db, mailer, mail, rateLimiter, rules, revocations, logger } = deps;
  const throttle = createLoginThrottle(rateLimiter, rules);
  const passwords = createPasswordVerifier();
  const background = new Set<Promise<void>>();

  const inBackground = (what: string, work: () => Promise<void>) => {
    const task = work().catch((error: unknown) => logger.warn({ err: error }, `${what} failed`));
    background.add(task);
    void task.finally(() => background.delete(task));
  };

  /** The caller's password, checked against the same failure budget as login. */
  const checkPassword = async (auth: AuthContext, password: string, client: ClientInfo) => {
    const credentials = await findCredentialsById(db, auth.userId);
    if (credentials?.status !== 'active') throw unauthorized();
    await throttle.refuseIfThrottled(credentials.email, client);
    if (!(await passwords.verify(password, credentials.password_hash))) {
      await throttle.countFailure(credentials.email, client);
      throw invalidCredentials();
    }
    await throttle.clear(credentials.email, client);
    return credentials;
  };

  const send = (message: MailMessage) => mailer.send(message);

  const sendVerification = async (userId: string, email: string) => {
    const token = await issueAccountToken(db, { userId, purpose: 'email_verify', email });
    await send(mail.verifyEmail(email, token));
  };

  return {
    changePassword: async (auth, input, client) => {
      await checkPassword(auth, input.current_password, client);
      await setPasswordHash(db, auth.userId, await hashPassword(input.new_password));
      const revoked = await revokeUserSessions(db, auth.userId, 'password_changed', auth.sessionId);
      if (revoked.length > 0) await revocations.publish({ userId: auth.userId, sessionIds: revoked });
    },

    forgotPassword: async (input, client) => {
      mailer.requireConfigured();
      const email = normalizeEmail(input.email);
      refuseIfAnyDenied(
        await Promise.all([
          rateLimiter.consume(rules.passwordForgotPerEmail, email),
          client.address ? rateLimiter.consume(rules.passwordForgotPerIp, client.address) : undefined,
        ]),
      );
      if (!isValidEmail(email)) return;
      inBackground('password reset mail', async () => {
        const user = await findActiveUserByEmail(db, email);
        if (!user) return;
        const token = await issueAccountToken(db, { userId: user.id, purpose: 'password_reset', email });
        await send(mail.passwordReset(email, token));
      });
    },

    resetPassword: async (input) => {
      // Hashed first: the transaction below must not wait tens of milliseconds holding a lock.
      const passwordHash = await hashPassword(input.new_password);
      const userId = await db.transaction(async (tx) => {
        const token = await consumeAccountToken(tx, ['password_reset'], input.token);
        if (!token) throw invalidLink();
        await setPasswordHash(tx, token.userId, passwordHash);
        // The link arrived at the address: that proves it, if it is still the account's.
        await tx
          .update(users)
          .set({ email_verified_at: sql`coalesce(${users.email_verified_at}, now())` })
          .where(and(eq(users.id, token.userId), eq(users.email, token.email)));
        return token.userId;
      });
      await revokeUserSessions(db, userId, 'password_reset');
      await revocations.publish({ userId });
    },

    verifyEmail: async (input) => {
      await db.transaction(async (tx) => {
        const token = await consumeAccountToken(tx, ['email_verify', 'email_change'], input.token);
        if (!token) throw invalidLink();
        if (token.purpose === 'email_verify') {
          const verified = await tx
            .update(users)
            .set({ email_verified_at: sql`coalesce(${users.email_verified_at}, now())` })
            .where(and(eq(users.id, token.userId), eq(users.email, token.email)))
            .returning({ id: users.id });
          // The account moved to another address since this mail went out.
          if (verified.length === 0) throw invalidLink();
          return;
        }
        try {
          await tx
            .update(users)
            .set({ email: token.email, email_verified_at: sql`now()`, updated_at: sql`now()` })
            .where(eq(users.id, token.userId));
        } catch (error) {
          if (postgresErrorOf(error)?.code === '23505') {
            throw conflict('Another account uses this email now', [
              { field: 'email', message: 'is already registered' },
            ]);
          }
          throw error;
        }
        // Contact Zero mirrors the account's address (docs/accounts.md); clients pull the change.
        const [contactZero] = await tx
          .update(contacts)
          .set({ email: token.email, ...bumpVersion(contacts, new Date()) })
          .where(and(eq(contacts.user_id, token.userId), eq(contacts.is_contact_zero, true)))
          .returning({ id: contacts.id });
        if (contactZero) await recordChange(tx, token.userId, 'contact', contactZero.id);
      });
    },

    resendVerification: async (auth) => {
      mailer.requireConfigured();
      const decision = await rateLimiter.consume(rules.emailResendPerUser, auth.userId);
      if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
      const [user] = await db
        .select({ email: users.email, verifiedAt: users.email_verified_at })
        .from(users)
        .where(eq(users.id, auth.userId))
        .limit(1);
      if (!user) throw unauthorized();
      if (user.verifiedAt) return;
      await sendVerification(auth.userId, user.email);
    },

    changeEmail: async (auth, input, client) => {
      mailer.requireConfigured();
      const newEmail = requireValidEmail(input.new_email);
      const credentials = await checkPassword(auth, input.password, client);
      if (newEmail === credentials.email) throw fieldError('new_email', 'is already the account email');
      const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.email, newEmail)).limit(1);
      if (taken)
        throw conflict('An account with this email already exists', [
          { field: 'new_email', message: 'is already registered' },
        ]);
      const token = await issueAccountToken(db, { userId: auth.userId, purpose: 'email_change', email: newEmail });
      await send(mail.confirmNewEmail(newEmail, token));
    },

    listSessions: async (auth) =>
      (await listSessions(db, auth.userId)).map((session) => ({ ...session, current: session.id === auth.sessionId })),

    endSession: async (auth, sessionId) => {
      if (!(await revokeSession(db, sessionId, auth.userId, 'revoked_by_user'))) throw notFound('Session');
      await revocations.publish({ userId: auth.userId, sessionIds: [sessionId] });
    },

    logoutAll: async (auth) => {
      await revokeUserSessions(db, auth.userId, 'logout_all');
      await revocations.publish({ userId: auth.userId });
    },

    sendVerificationInBackground: (user) => {
      if (!mailer.configured) {
        logger.warn('no verification mail sent: email is not configured');
        return;
      }
      inBackground('verification mail', () => sendVerification(user.id, user.email));
    },

    deleteAccount: async (auth, input, client) => {
      const credentials = await checkPassword(auth, input.password, client);
      // Sessions end first, so no socket keeps writing into what is being deleted.
      await revokeUserSessions(db, auth.userId, 'logout_all');
      await revocations.publish({ userId: auth.userId });
      // Every table that holds something of the user references users ON DELETE CASCADE
      // (test/auth/account-deletion.test.ts walks the catalog to prove nothing is left), except
      // the blob store's bytes, which are named by storage id: those go right after. Bytes left by
      // a failure there are no blob's any more, so the blob clean-up removes them later.
      const stored = await db.select({ storageId: blobs.storage_id }).from(blobs).where(eq(blobs.user_id, auth.userId));
      await db.transaction(async (tx) => {
        // A document whose socket just closed is stored (compacted) as it unloads: that locks the
        // note, then writes rows of the user (its change record) the cascade may already hold,
        // while the cascade waits for the note: a deadlock. Taking the notes first, in one order
        // and in a mode that lets a compaction's references to other notes through, makes either
        // side queue instead.
        await tx
          .select({ id: notes.id })
          .from(notes)
          .where(eq(notes.user_id, auth.userId))
          .orderBy(asc(notes.id))
          .for('no key update');
        // Three references have no cascade (a task's creator and a project attachment's uploader,
        // both contacts; a pipeline item's stage), so a contact or a stage still pointed at cannot
        // be deleted. The cascade from users can reach those contacts and stages before the rows
        // pointing at them and fail (a project attachment uploaded by Contact Zero does), so those
        // rows go first, in the same transaction.
        await tx.delete(pipelineItems).where(eq(pipelineItems.user_id, auth.userId));
        await tx.delete(projects).where(eq(projects.user_id, auth.userId));
        await tx.delete(tasks).where(eq(tasks.user_id, auth.userId));
        await tx.delete(users).where(eq(users.id, auth.userId));
      });
      await deps.blobStore
        .remove(stored.map((row) => row.storageId))
        .catch((error: unknown) => logger.warn({ err: error }, 'blob bytes of a deleted account left to clean-up'));
      logger.info({ user_id: auth.userId }, 'account deleted');
      if (mailer.configured) inBackground('account deletion mail', () => send(mail.accountDeleted(credentials.email)));
    },

    settle: async () => {
      await Promise.all([...background]);
    },
  };
}
