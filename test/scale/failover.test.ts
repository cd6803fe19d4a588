// Losing an instance while its clients type: kill -9 (no acknowledged edit may be lost) and
// SIGTERM (the instance drains: its clients are told to reconnect and end up converged on the other
// one). PostgreSQL only: two processes cannot share PGlite, which is one process's database.
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { registerUser } from '../helpers/auth.ts';
import { connectProvider, eventually, waitFor, waitSynced, type TestProvider } from '../helpers/collab.ts';
import { testEngine } from '../helpers/database.ts';
import type { SpawnedServer } from '../helpers/server.ts';
import { noteIdOf, redirectOnClose, startCluster, storedDoc, type Cluster } from './cluster.ts';

const onPostgres = testEngine() === 'postgres';
// Compactions run all along, concurrently with the edits.
const FAST_COMPACTION = { STORE_DEBOUNCE_MS: '200', STORE_MAX_DEBOUNCE_MS: '1000' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A provider that keeps appending uniquely named edits; knows which of them were acknowledged. */
interface Typist {
  client: TestProvider;
  document: string;
  sent: string[];
  /** How many of `sent` the server had acknowledged when the counter last reached 0. */
  acknowledged(): string[];
  stop(): void;
}

let cluster: Cluster | undefined;
let typists: Typist[] = [];
afterEach(async () => {
  for (const typist of typists) {
    typist.stop();
    typist.client.destroy();
  }
  typists = [];
  await cluster?.destroy();
  cluster = undefined;
});

function startTypist(collabUrl: string, document: string, token: string, name: string): Typist {
  const client = connectProvider(collabUrl, document, token, { awareness: false });
  const sent: string[] = [];
  let acknowledgedCount = 0;
  client.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
    // Only while connected and synced does 0 mean "the server has all of it".
    if (number === 0 && client.provider.isSynced) acknowledgedCount = sent.length;
  });
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  const type = () => {
    if (!running) return;
    const edit = `${name}-${sent.length}`;
    sent.push(edit);
    client.doc.getArray<string>('edits').push([edit]);
    timer = setTimeout(type, 20 + Math.random() * 40);
  };
  const typist: Typist = {
    client,
    document,
    sent,
    acknowledged: () => sent.slice(0, acknowledgedCount),
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
  void waitSynced(client, 60_000).then(type, () => {});
  typists.push(typist);
  return typist;
}

const editsOf = (doc: Y.Doc) => new Set(doc.getArray<string>('edits').toArray());
const missingFrom = (doc: Y.Doc, edits: string[]) => {
  const present = editsOf(doc);
  return edits.filter((edit) => !present.has(edit));
};

/** Every typist stopped, acknowledged, and each document's editors agree on everything anyone sent. */
async function expectConverged(db: Cluster['db'], all: Typist[]): Promise<void> {
  for (const typist of all) typist.stop();
  await waitFor(
    () => all.every((typist) => typist.client.provider.isSynced && typist.client.provider.unsyncedChanges === 0),
    60_000,
    'every client synced and acknowledged',
  );
  for (const document of new Set(all.map((typist) => typist.document))) {
    const editors = all.filter((typist) => typist.document === document);
    const everything = editors.flatMap((typist) => typist.sent);
    await waitFor(
      () => editors.every((typist) => missingFrom(typist.client.doc, everything).length === 0),
      30_000,
      `every editor of ${document} to hold every edit`,
    );
    const order = JSON.stringify(editors[0]!.client.doc.getArray('edits').toArray());
    for (const typist of editors) expect(JSON.stringify(typist.client.doc.getArray('edits').toArray())).toBe(order);
    const noteId = (await noteIdOf(db, document))!;
    // Written, not only held in memory: what a fresh load would show.
    await eventually(
      async () => missingFrom(await storedDoc(db, noteId), everything).length === 0,
      30_000,
      `the database to hold every edit of ${document}`,
    );
  }
}

describe.runIf(onPostgres)('losing an instance under load', () => {
  it('kill -9 mid-edit: no acknowledged edit is lost, and its clients carry on on the other instance', {
    timeout: 240_000,
  }, async () => {
    cluster = await startCluster(2, 'kill', FAST_COMPACTION);
    const [a, b] = cluster.instances as [SpawnedServer, SpawnedServer];
    const user = await registerUser(b.url);
    const onA = [
      startTypist(a.collabUrl, 'shared', user.accessToken, 'a0'),
      startTypist(a.collabUrl, 'shared', user.accessToken, 'a1'),
    ];
    // Open on A only: after the kill, B has nothing of it in memory and must load it from the database.
    const soloOnA = [
      startTypist(a.collabUrl, 'solo', user.accessToken, 's0'),
      startTypist(a.collabUrl, 'solo', user.accessToken, 's1'),
    ];
    const onB = [
      startTypist(b.collabUrl, 'shared', user.accessToken, 'b0'),
      startTypist(b.collabUrl, 'shared', user.accessToken, 'b1'),
    ];
    const all = [...onA, ...soloOnA, ...onB];
    await waitFor(() => all.every((typist) => typist.acknowledged().length >= 10), 60_000, 'typing to be under way');

    a.child.kill('SIGKILL');
    // Snapshot in the same turn as the kill: what the clients had been told was saved.
    const acknowledgedAtKill = new Map(all.map((typist) => [typist, typist.acknowledged()]));
    await a.exited;
    for (const document of ['shared', 'solo']) {
      const noteId = (await noteIdOf(cluster.db, document))!;
      const stored = await storedDoc(cluster.db, noteId);
      const acknowledged = all
        .filter((typist) => typist.document === document)
        .flatMap((typist) => acknowledgedAtKill.get(typist)!);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(
        missingFrom(stored, acknowledged),
        `acknowledged edits of ${document} missing right after the kill`,
      ).toEqual([]);
    }

    // The balancer now sends A's clients to B; they re-send whatever A never acknowledged.
    for (const typist of [...onA, ...soloOnA]) typist.client.socket.configuration.url = b.collabUrl;
    await waitFor(
      () => [...onA, ...soloOnA].every((typist) => typist.client.provider.isSynced),
      60_000,
      "A's clients to sync with B",
    );
    await sleep(1000);
    await expectConverged(cluster.db, all);
  });

  it('SIGTERM drains: 1012 closes, exit 0, every client ends converged on the other instance', {
    timeout: 240_000,
  }, async () => {
    cluster = await startCluster(2, 'drain', FAST_COMPACTION);
    const [a, b] = cluster.instances as [SpawnedServer, SpawnedServer];
    const user = await registerUser(a.url);
    const onA = [
      startTypist(a.collabUrl, 'shared', user.accessToken, 'a0'),
      startTypist(a.collabUrl, 'shared', user.accessToken, 'a1'),
      startTypist(a.collabUrl, 'solo', user.accessToken, 's0'),
      startTypist(a.collabUrl, 'solo', user.accessToken, 's1'),
    ];
    const onB = [
      startTypist(b.collabUrl, 'shared', user.accessToken, 'b0'),
      startTypist(b.collabUrl, 'shared', user.accessToken, 'b1'),
    ];
    const all = [...onA, ...onB];
    // As behind a balancer: a draining instance refuses new connections, the next one gets them.
    for (const typist of onA) redirectOnClose(typist.client.socket, b.collabUrl);
    await waitFor(() => all.every((typist) => typist.acknowledged().length >= 10), 60_000, 'typing to be under way');

    const signalledAt = Date.now();
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const drainMs = Date.now() - signalledAt;
    expect(a.output()).toContain('server stopped');
    expect(a.output()).not.toContain('documents still loaded at shutdown');
    for (const typist of onA) expect(typist.client.closes.map((close) => close.code)).toContain(1012);

    await waitFor(() => onA.every((typist) => typist.client.provider.isSynced), 60_000, "A's clients to sync with B");
    await sleep(1000);
    await expectConverged(cluster.db, all);
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
    expect(drainMs).toBeLessThan(30_000);
  });
});

describe.runIf(!onPostgres)('losing an instance under load (PGlite)', () => {
  it('needs PostgreSQL: PGlite is one process’s database, two instances cannot share it', () => {
    expect(testEngine()).toBe('pglite');
  });
});
