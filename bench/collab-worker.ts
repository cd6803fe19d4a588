// One load-generator process of the collaboration benchmark (bench/collab.ts starts several, so
// the clients' own Yjs work is spread over CPU cores). It opens its share of real providers,
// makes random small edits when told to, and reports latencies back over IPC. Edits carry their
// send time (epoch ms, comparable across processes of one machine) so any process can measure
// the fan-out of an edit made in another.
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { WebSocket } from 'ws';
import * as Y from 'yjs';

export interface WorkerAssignment {
  collabUrl: string;
  /** Per client, parallel to `documents`: the instance it connects to (bench/scale.ts); else collabUrl. */
  collabUrls?: string[];
  token: string;
  /** Document name of each client this worker runs. */
  documents: string[];
  workerIndex: number;
  editsPerSecond: number;
}

export interface WorkerReport {
  fanout: number[];
  acks: number[];
  edits: number;
  deliveries: number;
  unacknowledged: number;
  editsByDocument: Record<string, number>;
  errorKinds: Record<string, number>;
}

type ParentMessage =
  | { type: 'assign'; assignment: WorkerAssignment }
  | { type: 'start'; untilEpochMs: number }
  | { type: 'finish' };

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (message: unknown) => process.send?.(message);

interface Client {
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
  doc: Y.Doc;
  outstanding: number[];
}

let clients: Client[] = [];
let measuring = false;
const report: WorkerReport = {
  fanout: [],
  acks: [],
  edits: 0,
  deliveries: 0,
  unacknowledged: 0,
  editsByDocument: {},
  errorKinds: {},
};
const error = (kind: string) => (report.errorKinds[kind] = (report.errorKinds[kind] ?? 0) + 1);

function connect(assignment: WorkerAssignment, documentName: string, url = assignment.collabUrl): Client {
  const doc = new Y.Doc();
  const socket = new HocuspocusProviderWebsocket({
    url,
    WebSocketPolyfill: WebSocket,
    onClose: ({ event }) => {
      if (measuring) error(`close ${event.code}`);
    },
  });
  // No awareness: the profile measures document edits; presence traffic would only add noise.
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: documentName,
    token: assignment.token,
    document: doc,
    awareness: null,
  });
  provider.attach();
  const client: Client = { provider, socket, doc, outstanding: [] };
  provider.on('authenticationFailed', () => error('authentication failed'));
  let previous = 0;
  provider.on('unsyncedChanges', ({ number }: { number: number }) => {
    // Acks arrive in order, one per update sent.
    if (number < previous && client.outstanding.length > 0 && measuring)
      report.acks.push(now() - client.outstanding.shift()!);
    previous = number;
  });
  doc.getArray<string>('edits').observe((event) => {
    if (!measuring || event.transaction.local) return;
    const at = now();
    for (const item of event.changes.added) {
      for (const entry of item.content.getContent() as string[]) {
        report.fanout.push(at - Number(entry.slice(entry.lastIndexOf('@') + 1)));
        report.deliveries += 1;
      }
    }
  });
  return client;
}

function startEditing(assignment: WorkerAssignment, untilEpochMs: number): Promise<void> {
  const gapMs = 1000 / assignment.editsPerSecond;
  const startedAt = now();
  return new Promise((resolve) => {
    let running = clients.length;
    clients.forEach((client, clientIndex) => {
      // Evenly spaced at R per second from a random phase, so every run makes the same number of
      // edits (what the throughput ratio compares) while clients stay out of step.
      const phase = Math.random() * gapMs;
      let sequence = 0;
      const edit = () => {
        if (now() >= untilEpochMs) {
          running -= 1;
          if (running === 0) resolve();
          return;
        }
        const sentAt = now();
        report.edits += 1;
        const name = assignment.documents[clientIndex]!;
        report.editsByDocument[name] = (report.editsByDocument[name] ?? 0) + 1;
        client.outstanding.push(sentAt);
        client.doc.transact(() => {
          const text = client.doc.getText('text');
          text.insert(
            Math.floor(Math.random() * (text.length + 1)),
            Math.random()
              .toString(36)
              .slice(2, 3 + Math.floor(Math.random() * 8)),
          );
          client.doc
            .getArray<string>('edits')
            .push([`${assignment.workerIndex}:${clientIndex}:${report.edits}@${sentAt}`]);
        });
        sequence += 1;
        setTimeout(edit, Math.max(0, startedAt + phase + sequence * gapMs - now()));
      };
      setTimeout(edit, phase);
    });
  });
}

// The parent going away ends the worker; nothing else would.
process.on('disconnect', () => process.exit(1));

let assignment: WorkerAssignment | undefined;
process.on('message', (message: ParentMessage) => {
  void (async () => {
    if (message.type === 'assign') {
      assignment = message.assignment;
      clients = assignment.documents.map((name, index) => connect(assignment!, name, assignment!.collabUrls?.[index]));
      const deadline = Date.now() + 120_000;
      while (!clients.every((client) => client.provider.isSynced) && Date.now() < deadline) await sleep(10);
      if (!clients.every((client) => client.provider.isSynced)) error('not synced at start');
      send({ type: 'ready' });
    } else if (message.type === 'start' && assignment) {
      measuring = true;
      await startEditing(assignment, message.untilEpochMs);
      send({ type: 'edited', edits: report.edits });
    } else if (message.type === 'finish') {
      // Let in-flight acknowledgements arrive before counting what never did.
      const deadline = Date.now() + 15_000;
      while (clients.some((client) => client.provider.unsyncedChanges > 0) && Date.now() < deadline) await sleep(10);
      measuring = false;
      report.unacknowledged = clients.reduce((sum, client) => sum + client.provider.unsyncedChanges, 0);
      for (const client of clients) {
        client.provider.destroy();
        client.socket.destroy();
      }
      // Exit only once the (large) report has been handed to the IPC channel.
      process.send?.({ type: 'report', report }, () => process.exit(0));
    }
  })();
});
