// Real @hocuspocus/provider clients for collaboration tests (and the benchmark): a provider on a
// `ws` socket, plus waits for what tests assert on (synced, acknowledged, closed).
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { WebSocket } from 'ws';
import * as Y from 'yjs';

export interface TestProvider {
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
  doc: Y.Doc;
  /** Close events the socket saw, oldest first. */
  closes: Array<{ code: number; reason: string }>;
  /** Permission-denied reasons, oldest first. */
  denials: string[];
  destroy(): void;
}

export interface ProviderOptions {
  doc?: Y.Doc;
  /** Reconnect delay floor; tests keep it short. */
  delayMs?: number;
  awareness?: boolean;
}

export function connectProvider(
  collabUrl: string,
  name: string,
  token: string | (() => string),
  options: ProviderOptions = {},
): TestProvider {
  const doc = options.doc ?? new Y.Doc();
  const closes: TestProvider['closes'] = [];
  const denials: string[] = [];
  const socket = new HocuspocusProviderWebsocket({
    url: collabUrl,
    WebSocketPolyfill: WebSocket,
    delay: options.delayMs ?? 100,
    minDelay: options.delayMs ?? 100,
    maxDelay: 1000,
    onClose: ({ event }) => closes.push({ code: event.code, reason: event.reason }),
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name,
    token,
    document: doc,
    ...(options.awareness === false ? { awareness: null } : {}),
    onAuthenticationFailed: ({ reason }) => denials.push(reason),
  });
  provider.attach();
  return {
    provider,
    socket,
    doc,
    closes,
    denials,
    destroy() {
      // Closing a socket that is still connecting (a provider reconnecting to a server that is
      // going away) makes ws emit 'error' on the next tick, after the provider stopped listening:
      // an uncaught exception that fails the run. Nothing is left to handle it, so it is ignored.
      const raw = socket.webSocket as unknown as { on?: (event: 'error', listener: () => void) => void } | null;
      raw?.on?.('error', () => {});
      provider.destroy();
      socket.destroy();
    },
  };
}

/** Opens a provider and adds it to `opened`, the list the test file closes after its tests. */
export function connectKept(
  opened: TestProvider[],
  collabUrl: string,
  name: string,
  token: string | (() => string),
  options: ProviderOptions = {},
): TestProvider {
  const client = connectProvider(collabUrl, name, token, options);
  opened.push(client);
  return client;
}

/** Destroys every provider in `opened` and empties it (a file's afterAll or afterEach). */
export function destroyProviders(opened: TestProvider[]): void {
  for (const provider of opened.splice(0)) provider.destroy();
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Like waitFor, for conditions that need a query. */
export async function eventually(
  condition: () => Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const waitSynced = (client: TestProvider, timeoutMs?: number) =>
  waitFor(() => client.provider.isSynced, timeoutMs, 'provider synced');

/** Everything this provider sent has been acknowledged (which on this server means committed). */
export const waitAcknowledged = (client: TestProvider, timeoutMs?: number) =>
  waitFor(() => client.provider.isSynced && client.provider.unsyncedChanges === 0, timeoutMs, 'acknowledgement');

export function textOf(doc: Y.Doc, field = 'text'): string {
  return doc.getText(field).toString();
}

export function stateText(state: Uint8Array, field = 'text'): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc.getText(field).toString();
}

export interface RawCollabClient {
  ws: WebSocket;
  send(frame: Uint8Array | string): void;
  /** Sends the auth frame for `documentName` without waiting for a verdict. */
  sendAuth(documentName: string, token: string): void;
  /** Sends the auth frame for `documentName`; resolves with the server's verdict. */
  authenticate(documentName: string, token: string): Promise<'authenticated' | 'denied'>;
  /** Resolves when the server closes the socket. */
  closed: Promise<{ code: number; reason: string }>;
  isOpen(): boolean;
}

const MESSAGE_AUTH = 2;

/** A bare WebSocket speaking the wire format by hand, for frames no provider would send. */
export async function rawCollabClient(collabUrl: string): Promise<RawCollabClient> {
  const encoding = await import('lib0/encoding');
  const decoding = await import('lib0/decoding');
  const ws = new WebSocket(collabUrl);
  ws.binaryType = 'nodebuffer';
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  const sendAuth = (documentName: string, token: string) => {
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, documentName);
    encoding.writeVarUint(encoder, MESSAGE_AUTH);
    encoding.writeVarUint(encoder, 0);
    encoding.writeVarString(encoder, token);
    encoding.writeVarString(encoder, 'raw-test');
    ws.send(encoding.toUint8Array(encoder), { binary: true });
  };
  return {
    ws,
    closed,
    send(frame) {
      ws.send(frame, { binary: typeof frame !== 'string' });
    },
    isOpen: () => ws.readyState === WebSocket.OPEN,
    sendAuth,
    authenticate(documentName, token) {
      return new Promise((resolve, reject) => {
        const onMessage = (data: Buffer) => {
          const decoder = decoding.createDecoder(new Uint8Array(data));
          if (decoding.readVarString(decoder) !== documentName || decoding.readVarUint(decoder) !== MESSAGE_AUTH)
            return;
          const verdict = decoding.readVarUint(decoder);
          ws.off('message', onMessage);
          resolve(verdict === 2 ? 'authenticated' : 'denied');
        };
        ws.on('message', onMessage);
        void closed.then(() => reject(new Error('closed before an auth verdict')));
        sendAuth(documentName, token);
      });
    },
  };
}
