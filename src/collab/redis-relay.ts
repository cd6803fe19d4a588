// Several instances, one document (REDIS_URL): every change reaches the other instances that hold
// the document, through Redis pub/sub. Our own module on ioredis, using only Hocuspocus's public
// hooks and message classes (OutgoingMessage to write frames, MessageReceiver to apply them), so
// that upgrading Hocuspocus cannot change what crosses instances. The wire format: relay-wire.ts.
//
// - One hop. A change is published itself (one Sync-Update message), not announced by a state
//   vector for peers to ask about (content after two hops, two diffs and four messages per change
//   per peer: two-instance fan-out p50 8.5× one instance's, docs/benchmarks.md). The state-vector
//   exchange runs only as a repair: a few seconds after a document changes, and for every document
//   after the subscriber reconnects (pub/sub drops what is published while a subscriber is away).
// - A document that loads while a peer holds it gets the peer's state first: it asks (sync step 1
//   on the document's channel) and waits up to INITIAL_SYNC_MS for the answer on its reply channel.
// - Relayed changes are applied with the origin `{source: 'redis'}` and no connection, so they
//   never pass `beforeHandleMessage`: the durability hook never logs them, and Hocuspocus skips
//   its store hooks for them. Each update is therefore logged once, by the instance whose client
//   sent it (or whose REST call wrote it).
// - A relayed update's integration cost is checked again here, against this copy, before Yjs sees
//   it (admit): one refused discards this copy of the document (its sockets close with 4413), since
//   the update is in the log and the copy can no longer follow it.
// - Nothing of a document leaves this instance before it is in the log (document-durability.ts):
//   a change is published once every append of its document so far has committed, and a peer's
//   state request is answered only from a document with no append in flight. Whatever a peer holds
//   is therefore in the log, so its "nothing new" answer to a reconnecting client can never
//   acknowledge an unlogged edit; a document whose append failed publishes nothing more.
// - The update log is the source of truth and any instance's compaction folds every logged entry,
//   so an instance that only receives relays still requests a compaction of the document: if the
//   instance that logged the entries dies before compacting them, this one folds them. Compaction
//   is single-writer per note in PostgreSQL (the note row lock in compaction.ts), so no Redis lock.
// - A REST write to a document that is loaded on another instance only is published on the
//   document's channel, so that instance's editors see it at once (relayedLiveDocuments).
// - The Redis clients wait for Redis rather than fail (commands queue while it is away): loads
//   wait, instances diverge meanwhile, and the reconnect re-syncs every document.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type afterLoadDocumentPayload,
  type afterUnloadDocumentPayload,
  type Document,
  type Extension,
  IncomingMessage,
  isTransactionOrigin,
  MessageReceiver,
  type onAwarenessUpdatePayload,
  type onChangePayload,
  OutgoingMessage,
  type RedisTransactionOrigin,
} from '@hocuspocus/server';
import { Redis as RedisClient } from 'ioredis';
import type { DocumentService } from '../domain/documents/document-service.ts';
import type { LiveDocuments } from '../domain/documents/live-documents.ts';
import { IntegrationTooCostly, integrationSteps } from '../domain/documents/integration-cost.ts';
import { countUpdateCost } from '../domain/documents/update-cost.ts';
import type { Logger } from '../logger.ts';
import { CLOSE } from './close-codes.ts';
import { readSyncUpdate } from './frames.ts';
import { closeDocumentSockets, type LiveDocumentStates } from './live-document-states.ts';
import {
  decodeRelayMessage,
  documentChannel,
  encodeRelayMessage,
  type RelayMessage,
  replyChannel,
  senderHeader,
} from './relay-wire.ts';

export interface RedisRelayOptions {
  url: string;
  /** Channels are `${prefix}:collab:…` (relay-wire.ts); tests use a unique prefix each. */
  prefix: string;
  documents: DocumentService;
  liveStates: LiveDocumentStates;
  logger: Logger;
}

const ERROR_LOG_INTERVAL_MS = 30_000;
/** A changed document's state vector goes out this long after its first unrepaired change. */
const REPAIR_DELAY_MS = 5000;
/** How long a loading document waits for a peer that holds it to send its state. */
const INITIAL_SYNC_MS = 1000;

const RELAYED: RedisTransactionOrigin = { source: 'redis' };
const isRelayed = (origin: unknown) => isTransactionOrigin(origin) && origin.source === 'redis';

/** Unique per process and start; the hostname part only helps an operator reading CLIENT LIST. */
const newIdentifier = () => `${hostname().slice(0, 64)}:${process.pid}:${randomUUID().slice(0, 8)}`;

export class RedisRelay implements Extension {
  extensionName = 'RedisRelay';
  /** Before the other extensions' hooks, where the stock Redis extension ran. */
  priority = 1000;

  private readonly options: RedisRelayOptions;
  private readonly identifier = newIdentifier();
  private readonly header = senderHeader(this.identifier);
  private readonly ownReplyChannel: string;
  private readonly pub: RedisClient;
  private readonly sub: RedisClient;
  /** Our reply channel is subscribed: a load asks peers only after this, or could miss the answer. */
  private readonly replySubscription: Promise<unknown>;
  /** Documents we relay for, from the start of their `afterLoadDocument` (so a peer's answer lands). */
  private readonly held = new Map<string, Document>();
  private readonly initialSyncs = new Map<string, () => void>();
  private readonly repairs = new Map<string, NodeJS.Timeout>();
  /** Awareness changes of one event-loop turn, per document, published together. */
  private readonly awareness = new Map<string, { document: Document; clients: Set<number> }>();
  private lastWarnedAt = 0;
  private destroyed = false;
  /** The publishing socket holds this turn's writes, sent together at its end (coalesceWrites). */
  private corked = false;

  constructor(options: RedisRelayOptions) {
    this.options = options;
    this.ownReplyChannel = replyChannel(options.prefix, this.identifier);
    this.pub = this.connect();
    this.sub = this.connect();
    this.sub.on('messageBuffer', (channel: Buffer, data: Buffer) => this.receive(channel.toString('utf8'), data));
    this.replySubscription = this.sub.subscribe(this.ownReplyChannel);
    // Awaited by every load; this only keeps a subscription that never completes from being unhandled.
    this.replySubscription.catch(() => {});
    let subscribedOnce = false;
    this.sub.on('ready', () => {
      if (!subscribedOnce) {
        subscribedOnce = true;
        return;
      }
      void this.repairAfterReconnect();
    });
  }

  private connect(): RedisClient {
    const client = new RedisClient(this.options.url, {
      // Wait for Redis rather than fail a command: a failed subscription would fail its load.
      maxRetriesPerRequest: null,
      // Named, so an operator (or a test) can tell the instances' connections apart in CLIENT LIST.
      connectionName: `framelord-relay-${process.pid}`,
    });
    // ioredis reports every failed reconnect; once per interval is enough to know.
    client.on('error', (error: Error) => this.warn(error, 'redis relay connection error'));
    return client;
  }

  /** While Redis is away every publish fails: one line per interval says so. */
  private warn(error: unknown, message: string): void {
    if (Date.now() - this.lastWarnedAt < ERROR_LOG_INTERVAL_MS) return;
    this.lastWarnedAt = Date.now();
    this.options.logger.warn({ err: error }, message);
  }

  private publish(channel: string, frame: Uint8Array): Promise<number> {
    this.coalesceWrites();
    return this.pub.publish(channel, encodeRelayMessage(this.header, frame));
  }

  /**
   * One socket write per event-loop turn instead of one per message. Each write to the Redis
   * socket is a system call that, on loopback, runs much of Redis's receive path on our CPU too:
   * three quarters of the publish path's time in a CPU profile of the two-instance benchmark
   * (docs/benchmarks.md, "Scale-out"). A commit releases the relays of every update it covered
   * at once, so they leave in one write. ioredis writes each command to its socket at once;
   * corking the socket until the turn ends (Node's own pattern, `process.nextTick` + `uncork`)
   * batches them without a pipeline object per turn. While Redis is away commands wait in
   * ioredis's own queue and there is no socket to cork.
   */
  private coalesceWrites(): void {
    if (this.corked || this.pub.status !== 'ready') return;
    const socket = this.pub.stream;
    if (!socket?.writable) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  private toDocument(documentName: string, frame: Uint8Array): Promise<number> {
    return this.publish(documentChannel(this.options.prefix, documentName), frame);
  }

  /** Sends an update (already logged) to the instances holding the document. */
  publishUpdate(documentName: string, update: Uint8Array): Promise<number> {
    return this.toDocument(
      documentName,
      new OutgoingMessage(documentName).createSyncMessage().writeUpdate(update).toUint8Array(),
    );
  }

  /** Runs inside the durability bookkeeping's release loop: it must not throw into it. */
  private relayUpdate(documentName: string, update: Uint8Array): void {
    try {
      this.publishUpdate(documentName, update).catch((error: unknown) => this.warn(error, 'could not relay an update'));
    } catch (error) {
      this.warn(error, 'could not relay an update');
    }
  }

  /** Asks the peers holding the document for what we lack, and offers what they lack. */
  private async requestState(documentName: string, document: Document): Promise<void> {
    await this.toDocument(
      documentName,
      new OutgoingMessage(documentName).createSyncMessage().writeFirstSyncStepFor(document).toUint8Array(),
    );
  }

  async afterLoadDocument({ documentName, document }: afterLoadDocumentPayload): Promise<void> {
    this.held.set(documentName, document);
    const channel = documentChannel(this.options.prefix, documentName);
    try {
      await this.replySubscription;
      await this.sub.subscribe(channel);
      // We are subscribed ourselves: more than one subscriber means a peer holds the document.
      const [, subscribers] = (await this.pub.pubsub('NUMSUB', channel)) as [string, number | string];
      const peerHoldsIt = Number(subscribers) > 1;
      // Registered before anything is published, so the answer cannot arrive unseen.
      const answered = peerHoldsIt ? this.waitForInitialSync(documentName) : Promise.resolve();
      await Promise.all([
        this.requestState(documentName, document),
        this.toDocument(documentName, new OutgoingMessage(documentName).writeQueryAwareness().toUint8Array()),
      ]);
      await answered;
    } catch (error) {
      // afterUnloadDocument never runs for a load that fails: let go of the document here.
      this.initialSyncs.get(documentName)?.();
      this.forget(documentName);
      throw error;
    }
  }

  private waitForInitialSync(documentName: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.initialSyncs.get(documentName) === done) this.initialSyncs.delete(documentName);
        resolve();
      };
      const timer = setTimeout(done, INITIAL_SYNC_MS);
      this.initialSyncs.set(documentName, done);
    });
  }

  async onChange(payload: onChangePayload): Promise<void> {
    const { documentName, document, update } = payload;
    if (!isRelayed(payload.transactionOrigin)) {
      const durability = this.options.liveStates.get(documentName)?.durability;
      // Callbacks, not a promise chain: this runs for every update (document-durability.ts).
      if (!durability) this.relayUpdate(documentName, update);
      else
        durability.onDurable(
          () => this.relayUpdate(documentName, update),
          // Its append failed: the document is being discarded and its clients re-send the change.
          () => {},
        );
      this.scheduleRepair(documentName, document);
      return;
    }
    const entry = this.options.liveStates.get(documentName);
    if (!entry) return;
    // The size bound counts every byte that reached the document, relayed ones too; the cost
    // bound (and the process's budget) every struct: another instance admitted them, this one holds them.
    entry.budget.grow(update.length);
    entry.cost.grow(countUpdateCost(update));
    this.options.documents.requestCompaction(entry.noteId);
  }

  async onAwarenessUpdate(payload: onAwarenessUpdatePayload): Promise<void> {
    const { documentName, document } = payload;
    // A peer's awareness reached every instance on the same channel: never echo it back.
    if (isRelayed(payload.transactionOrigin) || document.getConnectionsCount() === 0) return;
    let pending = this.awareness.get(documentName);
    if (!pending || pending.document !== document) {
      pending = { document, clients: new Set() };
      this.awareness.set(documentName, pending);
      // A cursor moves in bursts: one message per document and turn carries them all.
      setImmediate(() => this.flushAwareness(documentName));
    }
    for (const client of [...payload.added, ...payload.updated, ...payload.removed]) pending.clients.add(client);
  }

  private flushAwareness(documentName: string): void {
    const pending = this.awareness.get(documentName);
    this.awareness.delete(documentName);
    if (!pending || pending.document.isDestroyed || pending.document.getConnectionsCount() === 0) return;
    const frame = new OutgoingMessage(documentName)
      .createAwarenessUpdateMessage(pending.document.awareness, [...pending.clients])
      .toUint8Array();
    this.toDocument(documentName, frame).catch((error: unknown) => this.warn(error, 'could not relay awareness'));
  }

  private receive(channel: string, data: Buffer): void {
    const message = decodeRelayMessage(data);
    if (!message || message.sender === this.identifier) return;
    const addressedToUs = channel === this.ownReplyChannel;
    // A document's channel carries that document only.
    if (!addressedToUs && channel !== documentChannel(this.options.prefix, message.documentName)) return;
    const document = this.held.get(message.documentName);
    if (!document || document.isDestroyed) return;
    // A discarded document follows the log no more: it takes nothing and answers nothing.
    const durability = this.options.liveStates.get(message.documentName)?.durability;
    if (durability?.failed) return;
    if (message.kind !== 'state-request') {
      void this.apply(document, message, addressedToUs);
      return;
    }
    // Our answer is our content: computed only at a moment no append is in flight.
    if (!durability || durability.pending === 0) {
      void this.apply(document, message, addressedToUs);
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
      if (!document.isDestroyed) await this.apply(document, message, addressedToUs);
    })();
  }

  /** Applies a peer's frame; answers (our state, our awareness) go to the sender's reply channel only. */
  private async apply(document: Document, message: RelayMessage, addressedToUs: boolean): Promise<void> {
    if (message.kind === 'state' && !this.admit(document, message)) return;
    const incoming = new IncomingMessage(message.frame);
    // MessageReceiver writes its answer after the document name it finds in the encoder.
    incoming.writeVarString(incoming.readVarString());
    try {
      // The state request's answer is encoded synchronously, as apply() starts.
      await new MessageReceiver(incoming, RELAYED).apply(document, undefined, (reply) => {
        // Never on the document's channel: a step 2 is computed for one requester's state vector
        // and would corrupt an instance that is behind it.
        this.publish(replyChannel(this.options.prefix, message.sender), reply).catch((error: unknown) =>
          this.warn(error, 'could not answer a peer'),
        );
      });
    } catch (error) {
      this.warn(error, 'could not apply a relayed message');
      return;
    }
    // State sent for our state vector: the loading document has caught up with its peer.
    if (message.kind === 'state' && addressedToUs) this.initialSyncs.get(message.documentName)?.();
  }

  /**
   * Whether a peer's update (or state) may be applied here: the instance that logged it checked
   * its integration cost against its own copy, which may differ from ours (half of a crafted pair
   * sent to each instance: each half is cheap where it arrives, the pair is seconds of Yjs's scan
   * where it meets). Checked against this copy before Yjs sees it (integration-cost.ts). A refused
   * update is in the log, so this copy can no longer follow it: the document is discarded (its
   * sockets closed, nothing more taken or answered) and its clients reconnect to a copy loaded
   * from the log, whose load is checked in turn.
   */
  private admit(document: Document, message: RelayMessage): boolean {
    const update = readSyncUpdate(message.frame)?.update;
    if (!update) return true;
    try {
      integrationSteps(document, update);
      return true;
    } catch (error) {
      if (error instanceof IntegrationTooCostly) this.discard(document, message.documentName, error);
      // Not an update Yjs can read either: dropped, as Yjs would throw on it.
      else this.warn(error, 'could not apply a relayed message');
      return false;
    }
  }

  private discard(document: Document, documentName: string, error: IntegrationTooCostly): void {
    const entry = this.options.liveStates.get(documentName);
    if (entry && !entry.durability.discard(error)) return;
    this.options.logger.warn(
      { note_id: entry?.noteId, limit: error.limit, max: error.max, connections: document.getConnectionsCount() },
      "relayed update too costly to integrate; closing the document's sockets to reload it from the log",
    );
    // A load waiting for this peer's state goes on without it (and is refused its first message).
    this.initialSyncs.get(documentName)?.();
    closeDocumentSockets(document, CLOSE.documentTooCostly);
  }

  private scheduleRepair(documentName: string, document: Document): void {
    if (this.repairs.has(documentName) || this.destroyed) return;
    const timer = setTimeout(() => {
      this.repairs.delete(documentName);
      if (document.isDestroyed) return;
      this.requestState(documentName, document).catch((error: unknown) =>
        this.warn(error, 'could not publish a state vector'),
      );
    }, REPAIR_DELAY_MS);
    timer.unref();
    this.repairs.set(documentName, timer);
  }

  /** Everything published while our subscriber was away is lost: exchange state for every document. */
  private async repairAfterReconnect(): Promise<void> {
    try {
      // Answers must find our channels subscribed again: ioredis re-subscribes right after
      // 'ready', and a PING on the same connection answers only once those are through.
      await this.sub.ping();
      const documents = [...this.held].filter(([, document]) => !document.isDestroyed);
      await Promise.all(documents.map(([name, document]) => this.requestState(name, document)));
      this.options.logger.info({ documents: documents.length }, 'redis relay reconnected; documents re-synced');
    } catch (error) {
      this.warn(error, 'could not re-sync documents after a redis reconnect');
    }
  }

  async afterUnloadDocument({ documentName, instance }: afterUnloadDocumentPayload): Promise<void> {
    // Loaded again meanwhile (a fast reconnect): that load holds the name and its subscription.
    if (instance.documents.has(documentName) || this.held.get(documentName)?.isDestroyed === false) return;
    this.forget(documentName);
  }

  private forget(documentName: string): void {
    this.held.delete(documentName);
    this.awareness.delete(documentName);
    clearTimeout(this.repairs.get(documentName));
    this.repairs.delete(documentName);
    this.sub
      .unsubscribe(documentChannel(this.options.prefix, documentName))
      .catch((error: unknown) => this.warn(error, 'could not unsubscribe a document'));
  }

  async onDestroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const timer of this.repairs.values()) clearTimeout(timer);
    this.repairs.clear();
    for (const done of [...this.initialSyncs.values()]) done();
    this.awareness.clear();
    // No polite QUIT: it would wait for ever while Redis is away.
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
