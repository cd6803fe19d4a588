// Revoked sessions reach live collaboration sockets at once, on every instance. The database is
// the truth (a revoked session's tokens are refused by isSessionActive, and the periodic re-auth
// closes what is left); this relay only makes the socket close now instead of within
// COLLAB_REAUTH_INTERVAL_MS. With REDIS_URL the event goes through Redis pub/sub to every
// instance, this one included; otherwise it is delivered in-process.
import { Redis } from 'ioredis';
import type { Logger } from '../../logger.ts';

export interface SessionRevocation {
  userId: string;
  /** The revoked sessions; absent means every session of the user (logout-all, account deleted). */
  sessionIds?: string[];
}

export type RevocationListener = (revocation: SessionRevocation) => void;

export interface SessionRevocations {
  publish(revocation: SessionRevocation): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(listener: RevocationListener): () => void;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A relayed message is checked before use: Redis is shared infrastructure, not a trusted caller. */
function parseRevocation(text: string): SessionRevocation | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { userId, sessionIds } = value as Record<string, unknown>;
    if (typeof userId !== 'string' || !UUID.test(userId)) return undefined;
    if (sessionIds === undefined) return { userId };
    if (!Array.isArray(sessionIds) || !sessionIds.every((id) => typeof id === 'string' && UUID.test(id))) {
      return undefined;
    }
    return { userId, sessionIds: sessionIds as string[] };
  } catch {
    return undefined;
  }
}

export function createSessionRevocations(options: {
  redisUrl: string | undefined;
  prefix: string;
  logger: Logger;
}): SessionRevocations {
  const listeners = new Set<RevocationListener>();
  const deliver = (revocation: SessionRevocation) => {
    for (const listener of listeners) {
      try {
        listener(revocation);
      } catch (error) {
        options.logger.warn({ err: error }, 'session revocation listener failed');
      }
    }
  };
  if (!options.redisUrl) {
    return {
      publish: async (revocation) => deliver(revocation),
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: async () => listeners.clear(),
    };
  }

  const channel = `${options.prefix}:sessions:revoked`;
  // Connected on first use: an instance without collaboration sockets never subscribes.
  const publisher = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let subscriber: Redis | undefined;
  publisher.on('error', () => {});
  const ensureSubscribed = () => {
    if (subscriber) return;
    const client = new Redis(options.redisUrl as string);
    subscriber = client;
    client.on('error', () => {});
    client.on('message', (_channel: string, text: string) => {
      const revocation = parseRevocation(text);
      if (revocation) deliver(revocation);
    });
    client.subscribe(channel).catch((error: unknown) => {
      options.logger.warn({ err: error }, 'could not subscribe to session revocations');
    });
  };
  return {
    publish: async (revocation) => {
      try {
        await publisher.publish(channel, JSON.stringify(revocation));
      } catch (error) {
        // The periodic re-auth still closes the sockets; this instance's own close now.
        options.logger.warn({ err: error }, 'could not relay a session revocation; delivering locally');
        deliver(revocation);
      }
    },
    subscribe: (listener) => {
      ensureSubscribed();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      listeners.clear();
      for (const client of [publisher, subscriber]) {
        if (!client) continue;
        if (client.status === 'wait' || client.status === 'end') client.disconnect();
        else await client.quit().catch(() => client.disconnect());
      }
    },
  };
}
