// Hocuspocus 4 on the API's HTTP server at /collab: `ws` in noServer mode takes the upgrade, every
// raw frame passes the socket limits (size, rate, well-formedness) and then goes to Hocuspocus,
// whose behaviour is shaped by one extension per concern.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Hocuspocus } from '@hocuspocus/server';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { clientAddressSubject } from '../domain/rate-limit/rules.ts';
import type { Services } from '../services.ts';
import { AuthenticationExtension } from './authentication-extension.ts';
import { CLOSE, type CloseEvent } from './close-codes.ts';
import type { CollabContext, SocketState } from './context.ts';
import { DurabilityExtension } from './durability-extension.ts';
import { durableSocket } from './durable-socket.ts';
import { FrameTooCostly, MalformedFrame, readClientFrame, type ValidatedFrames } from './frames.ts';
import { createHeavyUpdateGate, HEAVY_UPDATE_COST } from './heavy-update-gate.ts';
import { createMessageRateLimit } from './limits.ts';
import { hocuspocusLiveDocuments } from './live-documents.ts';
import type { LiveDocumentStates } from './live-document-states.ts';
import { MetricsExtension } from './metrics-extension.ts';
import { PersistenceExtension } from './persistence-extension.ts';
import { createPreAuthGate } from './pre-auth-gate.ts';
import { RedisRelay, relayedLiveDocuments } from './redis-relay.ts';
import { toWebRequest } from './upgrade-request.ts';

export const COLLAB_PATH = '/collab';

/** A peer that does not answer our close frame is cut off after this long. */
const CLOSE_HANDSHAKE_MS = 5000;

export interface CollabServer {
  hocuspocus: Hocuspocus<CollabContext>;
  /** For the HTTP server's `upgrade` event; answers false for a path that is not ours. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Stops accepting, closes every socket (reconnect later), waits for live documents to be stored. */
  stop(): Promise<void>;
}

function peerAddress(request: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return request.socket.remoteAddress;
}

const toBytes = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * A browser always sends Origin; a page of another site must not use the visitor's token here
 * (CORS does not cover WebSockets). Non-browser clients send none and are let in, and so is the
 * server's own origin (the demo page). Without CORS_ORIGINS nothing is checked.
 */
function originAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (allowed.length === 0 || origin === undefined || allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export function createCollabServer(services: Services): CollabServer {
  const { config, metrics, documents } = services;
  const logger = services.logger.child({ component: 'collab' });
  const liveStates: LiveDocumentStates = new Map();
  const validatedFrames: ValidatedFrames = new WeakMap();
  const authentication = new AuthenticationExtension({
    db: services.db,
    auth: services.auth,
    rateLimiter: services.rateLimiter,
    failuresPerAddress: services.rateLimitRules.collabAuthFailuresPerIp,
    failuresPerSocket: services.rateLimitRules.collabAuthFailuresPerSocket,
    reauthIntervalMs: config.collabReauthIntervalMs,
    logger,
    metrics,
  });
  // Several instances: relay document changes through Redis (redis-relay.ts).
  const relay = config.redisUrl
    ? new RedisRelay({ url: config.redisUrl, prefix: config.redisPrefix, documents, liveStates, logger })
    : undefined;
  const hocuspocus = new Hocuspocus<CollabContext>({
    name: 'framelord',
    quiet: true,
    debounce: config.storeDebounceMs,
    maxDebounce: config.storeMaxDebounceMs,
    unloadImmediately: true,
    // The pre-auth gate holds frames until the verdict; this bounds what Hocuspocus itself queues
    // between the verdict and the end of the document's load.
    maxUnauthenticatedQueueSize: config.maxPreAuthBytes,
    extensions: [
      new MetricsExtension(metrics),
      authentication,
      new DurabilityExtension({ validatedFrames, documents, liveStates, logger, metrics }),
      new PersistenceExtension({
        documents,
        liveStates,
        logger,
        metrics,
        busyStore: { debounceMs: config.storeDebounceMs, ...config.busyStore },
      }),
      ...(relay ? [relay] : []),
    ],
  });
  // A revoked session (logout, password change, session ended, account deleted) stops editing now,
  // not at the next periodic re-auth; the event reaches every instance (session-revocations.ts).
  const unsubscribeRevocations = services.sessionRevocations.subscribe((revocation) => {
    for (const document of hocuspocus.documents.values()) {
      for (const connection of document.getConnections()) {
        const context = connection.context as CollabContext;
        if (context.userId !== revocation.userId) continue;
        if (revocation.sessionIds && !revocation.sessionIds.includes(context.sessionId ?? '')) continue;
        metrics.errors.inc({ transport: 'collab', code: 'UNAUTHORIZED' });
        context.socket.close(CLOSE.unauthorized);
      }
    }
  });
  const live = hocuspocusLiveDocuments(hocuspocus, liveStates);
  services.liveDocuments.serve(relay ? relayedLiveDocuments(live, relay, logger) : live);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const sockets = new Set<SocketState>();
  // One heavy update applied per event-loop turn across every socket (heavy-update-gate.ts).
  const heavyUpdates = createHeavyUpdateGate({
    maxWaitingBytes: 2 * config.maxMessageBytes,
    onError: (error) => logger.error({ err: error }, 'collaboration frame handling failed'),
  });
  let accepting = true;
  let nextSocketId = 1;

  const attach = (ws: WebSocket, request: IncomingMessage) => {
    const address = peerAddress(request, config.trustProxy);
    let closed = false;
    const socket: SocketState = {
      id: nextSocketId++,
      address: address ? clientAddressSubject(address) : undefined,
      ws,
      authFailures: 0,
      get closed() {
        return closed;
      },
      close(event: CloseEvent) {
        if (closed) return;
        closed = true;
        ws.close(event.code, event.reason);
        setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_MS).unref();
      },
    };
    sockets.add(socket);
    metrics.collabConnections.inc();
    const rate = createMessageRateLimit(services.rateLimitRules.collabMessagesPerSecond);
    const refuse = (event: CloseEvent, code: string) => {
      metrics.errors.inc({ transport: 'collab', code });
      logger.info({ socket: socket.id, close_code: event.code, reason: event.reason }, 'closing collaboration socket');
      socket.close(event);
    };
    const limits = { maxUpdateStructs: config.maxUpdateStructs };
    const lane = heavyUpdates.lane((bytes) => {
      if (!closed) connection.handleMessage(bytes);
    });
    // Reads a frame the gate let through (an Auth frame, or one of an authenticated document) in
    // full, and hands it to Hocuspocus in order, a heavy update in an event-loop turn of its own.
    const deliver = (bytes: Uint8Array) => {
      if (closed) return;
      let heavy = false;
      try {
        const frame = readClientFrame(bytes, limits);
        if (frame.kind === 'pong') return;
        if (frame.update) {
          validatedFrames.set(bytes, frame.update);
          heavy = frame.update.cost >= HEAVY_UPDATE_COST;
        }
      } catch (error) {
        if (error instanceof MalformedFrame) return refuse(CLOSE.malformedMessage, 'VALIDATION_ERROR');
        if (error instanceof FrameTooCostly) return refuse(CLOSE.updateTooComplex, 'PAYLOAD_TOO_LARGE');
        throw error;
      }
      if (!lane.push(bytes, heavy)) refuse(CLOSE.tooMuchWaiting, 'RATE_LIMIT_EXCEEDED');
    };
    const gate = createPreAuthGate({
      maxPendingBytes: config.maxPreAuthBytes,
      deliver,
      refuse: ({ close, code }) => refuse(close, code),
    });
    const connection = hocuspocus.handleConnection(
      durableSocket(ws, liveStates, (frame) => gate.observeOutgoing(frame)),
      toWebRequest(request),
      { socket },
    );

    ws.on('message', (data, isBinary) => {
      if (closed) return;
      if (!isBinary) return refuse(CLOSE.textFrame, 'VALIDATION_ERROR');
      if (!rate.take()) return refuse(CLOSE.tooManyMessages, 'RATE_LIMIT_EXCEEDED');
      gate.receive(toBytes(data));
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // ws has already closed the socket (1009 for an oversized frame).
      closed = true;
      const code = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_ERROR';
      metrics.errors.inc({ transport: 'collab', code });
      logger.info({ socket: socket.id, error_code: error.code }, 'collaboration socket error');
    });
    ws.on('close', (code, reason) => {
      closed = true;
      lane.close();
      sockets.delete(socket);
      metrics.collabConnections.dec();
      connection.handleClose({ code, reason: reason.toString('utf8') });
    });
  };

  return {
    hocuspocus,
    handleUpgrade(request, socket, head) {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (path !== COLLAB_PATH && path !== `${COLLAB_PATH}/`) return false;
      if (!accepting) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return true;
      }
      if (!originAllowed(request, config.corsOrigins)) {
        metrics.errors.inc({ transport: 'collab', code: 'FORBIDDEN' });
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return true;
      }
      wss.handleUpgrade(request, socket, head, (ws) => attach(ws, request));
      return true;
    },
    async stop() {
      accepting = false;
      authentication.stop();
      unsubscribeRevocations();
      const started = performance.now();
      const draining = { sockets: sockets.size, documents: hocuspocus.documents.size };
      for (const socket of sockets) socket.close(CLOSE.serverRestarting);
      await waitUntil(() => sockets.size === 0, CLOSE_HANDSHAKE_MS + 1000);
      // Closing the last connection of a document stores it (compaction) and then unloads it.
      const unloaded = await waitUntil(
        () => hocuspocus.documents.size === 0 && hocuspocus.loadingDocuments.size === 0,
        config.shutdownTimeoutMs,
      );
      if (!unloaded) {
        logger.warn(
          { documents: hocuspocus.documents.size },
          'documents still loaded at shutdown; compacting from the log',
        );
        hocuspocus.flushPendingStores();
      }
      wss.close();
      logger.info({ ...draining, duration_ms: Math.round(performance.now() - started) }, 'collaboration drained');
      // Extensions let go of what they hold (the re-authentication timer, the Redis connections).
      await hocuspocus.hooks('onDestroy', { instance: hocuspocus });
    },
  };
}
