// Several instances, one document (REDIS_URL): Hocuspocus's Redis extension relays every change
// between the instances that hold a document. What it does (4.7 source) and what we change:
//
// - The extension publishes our state vector after every change; peers answer with what we lack
//   and ask for what they lack, so a peer has a change after two hops, and every change costs
//   each peer two diffs and four messages. With 200 clients over two instances (bench/scale.ts)
//   that made cross-instance fan-out several times slower than one instance. We publish the
//   change itself instead (one hop, one message), and run the state-vector exchange only as a
//   repair: a few seconds after a document changes, and for every document after Redis
//   reconnects (pub/sub drops what is published while a subscriber is away). A document that
//   loads while a peer holds it still gets the peer's state first (the extension's initial sync).
// - Relayed changes are applied with the origin `{source: 'redis'}` through a bare
//   MessageReceiver: no client connection, so they never pass `beforeHandleMessage`, and the
//   durability hook never logs them. Each update is therefore logged once, by the instance whose
//   client sent it (or whose REST call wrote it). Nothing of a document leaves this instance
//   before it is in the log (document-durability.ts): a change is published once every append
//   of its document so far has committed, and a peer's state-vector request is answered only
//   from a document with no append in flight. Whatever a peer holds is therefore in the log, so
//   its "nothing new" answer to a reconnecting client can never acknowledge an unlogged edit; a
//   document whose append failed publishes nothing more.
// - Relayed changes skip the store hooks (shouldSkipStoreHooks). The update log is the source of
//   truth and any instance's compaction folds every logged entry, so an instance that only
//   receives relays still requests a compaction of the document: if the instance that logged the
//   entries dies before compacting them, this one folds them. The second compaction of a burst
//   is cheap (an empty log changes no row).
// - Its store lock (Redlock) is not used: an instance that loses it skips its store and never
//   reschedules it, which would leave its own appends uncompacted. Compaction is single-writer per
//   note in PostgreSQL instead (the note row lock in compaction.ts), across instances.
// - A REST write to a document that is loaded on another instance only is published on the
//   document's channel as a sync update, so that instance's editors see it at once.
// - The Redis clients wait for Redis rather than fail: a failed subscription would otherwise
//   fail every later document load for good. While Redis is away, loads wait and instances
//   diverge; the reconnect re-syncs every live document.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis as RedisExtension } from '@hocuspocus/extension-redis';
import {
  isTransactionOrigin,
  OutgoingMessage,
  type afterUnloadDocumentPayload,
  type Document,
  type onChangePayload,
} from '@hocuspocus/server';
import { Redis as RedisClient } from 'ioredis';
import * as decoding from 'lib0/decoding';
import type { DocumentService } from '../domain/documents/document-service.ts';
import type { LiveDocuments } from '../domain/documents/live-documents.ts';
import type { Logger } from '../logger.ts';
import { MessageType, SyncStep } from './frames.ts';
import type { LiveDocumentStates } from './live-document-states.ts';

export interface RedisRelayOptions {
  url: string;
  /** Channels are `${prefix}:collab:<document name>`; tests use a unique prefix each. */
  prefix: string;
  documents: DocumentService;
  liveStates: LiveDocumentStates;
  logger: Logger;
}

const ERROR_LOG_INTERVAL_MS = 30_000;
const QUIT_TIMEOUT_MS = 1000;
/** A changed document's state vector goes out this long after its first unrepaired change. */
const REPAIR_DELAY_MS = 5000;

let lastWarnedAt = 0;
/** While Redis is away every publish fails: one line per interval says so. */
function warnThrottled(logger: Logger, error: unknown, message: string): void {
  if (Date.now() - lastWarnedAt < ERROR_LOG_INTERVAL_MS) return;
  lastWarnedAt = Date.now();
  logger.warn({ err: error }, message);
}

const isRelayed = (origin: unknown) => isTransactionOrigin(origin) && origin.source === 'redis';

/**
 * The document a peer's message asks our state of (a sync step 1), or null for any other message.
 * A Redis message is [identifier length byte][identifier][Hocuspocus frame].
 */
function peerStateRequestDocument(data: Buffer): string | null {
  try {
    const decoder = decoding.createDecoder(data.subarray(1 + (data[0] ?? 0)));
    const documentName = decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    if (type !== MessageType.Sync && type !== MessageType.SyncReply) return null;
    return decoding.readVarUint(decoder) === SyncStep.Step1 ? documentName : null;
  } catch {
    return null;
  }
}

export class RedisRelay extends RedisExtension {
  private readonly relayOptions: RedisRelayOptions;
  private readonly warn = (error: unknown, message: string) => warnThrottled(this.relayOptions.logger, error, message);
  private destroyed = false;
  private readonly repairs = new Map<string, NodeJS.Timeout>();

  constructor(options: RedisRelayOptions) {
    const logger = options.logger;
    let subscribedOnce = false;
    const identifier = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    super({
      prefix: `${options.prefix}:collab`,
      identifier,
      createClient: () => {
        // Named, so an operator (or a test) can tell the instances' connections apart in CLIENT LIST.
        const client = new RedisClient(options.url, {
          maxRetriesPerRequest: null,
          connectionName: `framelord-relay-${process.pid}`,
        });
        // ioredis reports every failed reconnect; once per interval is enough to know.
        client.on('error', (error: Error) => warnThrottled(logger, error, 'redis relay connection error'));
        return client;
      },
    });
    this.relayOptions = options;
    this.answerPeersFromDurableState();
    this.sub.on('ready', () => {
      if (!subscribedOnce) {
        subscribedOnce = true;
        return;
      }
      void this.repairAfterReconnect();
    });
  }

  /** No Redlock: compaction is single-writer per note in the database (see the top of this file). */
  override async onStoreDocument(): Promise<void> {}

  override async onChange(payload: onChangePayload): Promise<void> {
    if (!isRelayed(payload.transactionOrigin)) {
      const durability = this.relayOptions.liveStates.get(payload.documentName)?.durability;
      (durability ? durability.whenDurable() : Promise.resolve()).then(
        () =>
          this.publishUpdate(payload.documentName, payload.update).catch((error: unknown) =>
            this.warn(error, 'could not relay an update'),
          ),
        // Its append failed: the document is being discarded and its clients re-send the change.
        () => {},
      );
      this.scheduleRepair(payload.documentName, payload.document);
      return;
    }
    const entry = this.relayOptions.liveStates.get(payload.documentName);
    if (!entry) return;
    // The size bound counts every byte that reached the document, relayed ones too.
    entry.budget.grow(payload.update.length);
    this.relayOptions.documents.requestCompaction(entry.noteId);
  }

  /** Sends an update (already logged) to the instances holding the document. */
  async publishUpdate(documentName: string, update: Uint8Array): Promise<void> {
    const message = new OutgoingMessage(documentName).createSyncMessage().writeUpdate(update).toUint8Array();
    await this.pub.publish(
      `${this.configuration.prefix}:${documentName}`,
      Buffer.concat([this.messagePrefix, message]),
    );
  }

  /**
   * The extension answers a peer's sync step 1 with our content at once. Wrap its listener so that
   * answer is computed only while every update applied to the document is committed (the answer
   * is encoded synchronously when the original listener starts), and never from a discarded one.
   */
  private answerPeersFromDurableState(): void {
    const [original] = this.sub.listeners('messageBuffer') as Array<(channel: Buffer, data: Buffer) => Promise<void>>;
    if (!original) throw new Error('the Redis extension registers no message listener; update redis-relay.ts');
    this.sub.removeListener('messageBuffer', original);
    this.sub.on('messageBuffer', (channel: Buffer, data: Buffer) => {
      const handle = () =>
        original(channel, data).catch((error: unknown) => this.warn(error, 'could not handle a relayed message'));
      const documentName = peerStateRequestDocument(data);
      const durability = documentName === null ? undefined : this.relayOptions.liveStates.get(documentName)?.durability;
      if (!durability || durability.pending === 0) {
        if (!durability?.failed) void handle();
        return;
      }
      void (async () => {
        // Appends keep arriving while we wait; answer at a moment none is in flight.
        while (durability.pending > 0) {
          try {
            await durability.whenDurable();
          } catch {
            return;
          }
        }
        if (!durability.failed) await handle();
      })();
    });
  }

  /** Asks the peers holding the document for what we lack, and offers what they lack. */
  private async publishStateVector(documentName: string, document: Document): Promise<void> {
    const message = new OutgoingMessage(documentName)
      .createSyncMessage()
      .writeFirstSyncStepFor(document)
      .toUint8Array();
    await this.pub.publish(
      `${this.configuration.prefix}:${documentName}`,
      Buffer.concat([this.messagePrefix, message]),
    );
  }

  private scheduleRepair(documentName: string, document: Document): void {
    if (this.repairs.has(documentName) || this.destroyed) return;
    const timer = setTimeout(() => {
      this.repairs.delete(documentName);
      if (document.isDestroyed) return;
      this.publishStateVector(documentName, document).catch((error: unknown) =>
        this.warn(error, 'could not publish a state vector'),
      );
    }, REPAIR_DELAY_MS);
    timer.unref();
    this.repairs.set(documentName, timer);
  }

  /** Everything published while our subscriber was away is lost: exchange state for every document. */
  private async repairAfterReconnect(): Promise<void> {
    try {
      // Replies must find our channels subscribed again: ioredis re-subscribes right after
      // 'ready', and a PING on the same connection answers only once those are through.
      await this.sub.ping();
      const documents = this.instance ? [...this.instance.documents.entries()] : [];
      await Promise.all(documents.map(([name, document]) => this.publishStateVector(name, document)));
      this.relayOptions.logger.info({ documents: documents.length }, 'redis relay reconnected; documents re-synced');
    } catch (error) {
      this.warn(error, 'could not re-sync documents after a redis reconnect');
    }
  }

  override async afterUnloadDocument(payload: afterUnloadDocumentPayload): Promise<void> {
    if (!payload.instance.documents.has(payload.documentName)) {
      clearTimeout(this.repairs.get(payload.documentName));
      this.repairs.delete(payload.documentName);
    }
    await super.afterUnloadDocument(payload);
  }

  override async onDestroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const timer of this.repairs.values()) clearTimeout(timer);
    this.repairs.clear();
    // The extension's own teardown QUITs politely, which waits forever while Redis is away.
    await Promise.race([
      super.onDestroy().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS).unref()),
    ]);
    this.pub.disconnect(false);
    this.sub.disconnect(false);
  }
}

/** REST writes reach editors on other instances too: published when the document is not live here. */
export function relayedLiveDocuments(local: LiveDocuments, relay: RedisRelay, logger: Logger): LiveDocuments {
  return {
    find: local.find,
    async applyLogged(documentName, update) {
      if (await local.applyLogged(documentName, update)) return true;
      try {
        await relay.publishUpdate(documentName, update);
      } catch (error) {
        // Logged already: editors elsewhere get it on their next load or sync, never lose it.
        logger.warn({ err: error }, 'could not relay a logged update to other instances');
      }
      return false;
    },
  };
}
