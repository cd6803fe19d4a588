// Who may open which document. The provider's token is verified by the one auth service every
// door uses; the document name is then resolved to the caller's note (created when new). A
// refusal is answered with the same "permission denied" for a bad token and for another user's
// document. Hocuspocus keeps a socket open after a failed authentication so the client can retry:
// failures are bounded per socket and per client address. Tokens are checked again periodically,
// so a logged-out session or an expired token stops editing within COLLAB_REAUTH_INTERVAL_MS.
import type { Extension, Hocuspocus, onAuthenticatePayload } from '@hocuspocus/server';
import type { AuthService } from '../domain/auth/auth-service.ts';
import { findOrCreateNoteForDocument } from '../domain/documents/note-resolution.ts';
import { DomainError } from '../domain/errors.ts';
import type { RateLimiter, RateLimitRule } from '../domain/rate-limit/rate-limiter.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { CLOSE, INVALID_DOCUMENT_NAME, PERMISSION_DENIED, SERVER_UNAVAILABLE } from './close-codes.ts';
import { ACCESS_TOKEN, type CollabContext, type SocketState } from './context.ts';

export interface AuthenticationOptions {
  db: Db;
  auth: Pick<AuthService, 'verifyAccessToken' | 'activeSessions' | 'accessTokenValidUntil'>;
  rateLimiter: RateLimiter;
  /** Failed attempts per client address (fixed window). */
  failuresPerAddress: RateLimitRule;
  /** Failed attempts one socket may make; 0 = unlimited. */
  failuresPerSocket: number;
  reauthIntervalMs: number;
  logger: Logger;
  metrics: Metrics;
}

/** Refusals the client caused; anything else (an outage) is not the client's fault. */
const isClientRefusal = (error: unknown): error is DomainError =>
  error instanceof DomainError && (error.code === 'UNAUTHORIZED' || error.code === 'VALIDATION_ERROR');

export class AuthenticationExtension implements Extension {
  extensionName = 'Authentication';
  priority = 1000;
  private readonly options: AuthenticationOptions;
  private reauthTimer: NodeJS.Timeout | undefined;

  constructor(options: AuthenticationOptions) {
    this.options = options;
  }

  async onAuthenticate(payload: onAuthenticatePayload<CollabContext>): Promise<Partial<CollabContext>> {
    const { db, auth, rateLimiter, failuresPerAddress, metrics, logger } = this.options;
    const socket = payload.context.socket;
    // Only the socket's own budget refuses up front. The per-address one never refuses a valid
    // token (an office behind one NAT must not be locked out by one client's failures): past it,
    // the token is still checked, and a refusal closes the socket (one try per socket).
    if (this.overSocketLimit(socket)) {
      this.closeAfterReply(socket);
      throw PERMISSION_DENIED;
    }
    try {
      const caller = await auth.verifyAccessToken(payload.token);
      const note = await findOrCreateNoteForDocument(db, caller, payload.documentName);
      return {
        userId: caller.userId,
        contactZeroId: caller.contactZeroId,
        sessionId: caller.sessionId,
        noteId: note.id,
        tokenValidUntil: auth.accessTokenValidUntil(payload.token),
        [ACCESS_TOKEN]: payload.token,
      };
    } catch (error) {
      if (isClientRefusal(error)) {
        metrics.errors.inc({ transport: 'collab', code: error.code });
        socket.authFailures += 1;
        if (socket.address) await rateLimiter.record(failuresPerAddress, socket.address);
        if (await this.overFailureLimits(socket)) this.closeAfterReply(socket);
        throw error.code === 'VALIDATION_ERROR' ? INVALID_DOCUMENT_NAME : PERMISSION_DENIED;
      }
      // The database (or something else of ours) failed: a "permission denied" would make the
      // provider give up for good. Closing makes it reconnect with backoff and try again.
      metrics.errors.inc({ transport: 'collab', code: 'SERVICE_UNAVAILABLE' });
      logger.warn({ err: error, socket: socket.id }, 'collaboration authentication failed on our side');
      socket.close(CLOSE.unavailable);
      throw SERVER_UNAVAILABLE;
    }
  }

  async onConfigure({ instance }: { instance: Hocuspocus }): Promise<void> {
    this.reauthTimer = setInterval(() => void this.reauthenticate(instance), this.options.reauthIntervalMs);
    this.reauthTimer.unref();
  }

  async onDestroy(): Promise<void> {
    this.stop();
  }

  stop(): void {
    if (this.reauthTimer) clearInterval(this.reauthTimer);
    this.reauthTimer = undefined;
  }

  /**
   * Checks every live connection's token again; closes the sockets whose token no longer holds.
   * Each token's signature was verified when it authenticated and cannot change; what can is its
   * expiry (read from the claims kept then) and its session (logout, password change, account
   * deleted: one query for every session of every open socket, not one per token). Revocations
   * normally close sockets at once by event (collab-server.ts); this is the backstop.
   */
  async reauthenticate(instance: Hocuspocus): Promise<void> {
    const now = Date.now();
    const live: CollabContext[] = [];
    const sessions = new Set<string>();
    for (const document of instance.documents.values()) {
      for (const connection of document.getConnections()) {
        const context = connection.context as CollabContext;
        if (!context[ACCESS_TOKEN] || context.socket.closed) continue;
        if (context.tokenValidUntil !== undefined && context.tokenValidUntil <= now) {
          this.refuse(context);
          continue;
        }
        if (!context.sessionId || !context.userId) continue;
        live.push(context);
        sessions.add(context.sessionId);
      }
    }
    if (live.length === 0) return;
    let owners: Map<string, string>;
    try {
      owners = await this.options.auth.activeSessions([...sessions]);
    } catch (error) {
      // Only a refused session ends a connection; an outage must not log everybody out.
      this.options.logger.warn({ err: error }, 'collaboration re-authentication could not reach the database');
      return;
    }
    for (const context of live) if (owners.get(context.sessionId ?? '') !== context.userId) this.refuse(context);
  }

  private refuse(context: CollabContext): void {
    if (context.socket.closed) return;
    this.options.metrics.errors.inc({ transport: 'collab', code: 'UNAUTHORIZED' });
    context.socket.close(CLOSE.unauthorized);
  }

  private overSocketLimit(socket: SocketState): boolean {
    const { failuresPerSocket } = this.options;
    return failuresPerSocket > 0 && socket.authFailures >= failuresPerSocket;
  }

  private async overFailureLimits(socket: SocketState): Promise<boolean> {
    const { rateLimiter, failuresPerAddress } = this.options;
    if (this.overSocketLimit(socket)) return true;
    if (!socket.address) return false;
    return !(await rateLimiter.check(failuresPerAddress, socket.address)).allowed;
  }

  /** Closes after Hocuspocus has sent the permission-denied reply, so the client learns why. */
  private closeAfterReply(socket: SocketState): void {
    this.options.metrics.errors.inc({ transport: 'collab', code: 'RATE_LIMIT_EXCEEDED' });
    setImmediate(() => socket.close(CLOSE.tooManyAuthFailures));
  }
}
