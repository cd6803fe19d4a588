// Yjs amplification and work before authentication (docs/security.md), against a server in a child
// process with its default limits: a ~14 MiB update of 2.4 M empty Y.Map items used to be applied
// (RSS 4.3 GB, /healthz silent, then "heap out of memory"); the same frame on a socket that never
// authenticated was decoded in full (seconds of stall per frame). Now both are refused unread and
// the process keeps answering within a second while another user keeps editing.
import { readFileSync } from 'node:fs';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import {
  connectProvider,
  rawCollabClient,
  textOf,
  waitAcknowledged,
  waitFor,
  waitSynced,
  type TestProvider,
} from '../helpers/collab.ts';
import { provisionDatabase, type ProvisionedDatabase } from '../helpers/database.ts';
import { spawnServer, testEnvironment, type SpawnedServer, type TestServer } from '../helpers/server.ts';
import { startServerWithUsers } from '../helpers/server-with-users.ts';
import { amplifiedUpdate, updateFrame } from './amplified-update.ts';
import * as Y from 'yjs';
import { mergeStoredState } from '../../src/domain/documents/document-state.ts';
import type { StoredDocumentState } from '../../src/domain/documents/update-log.ts';
import { noteOf } from './fixtures.ts';

function storedItems(state: StoredDocumentState | null): number {
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, mergeStoredState(state));
  return doc.getArray('items').length;
}

const MESSAGE_AWARENESS = 1;
/** Server → client: "your update was applied" (after the address, so searched within the frame). */
const SYNC_STATUS = 8;

function awarenessFrame(documentName: string, state: string): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 1);
  encoding.writeVarUint(inner, 77);
  encoding.writeVarUint(inner, 1);
  encoding.writeVarString(inner, state);
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, documentName);
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
  return encoding.toUint8Array(encoder);
}

/**
 * CPU time (ms) a process has used, from /proc: on a machine shared with other work, wall-clock
 * latency measures the scheduler as much as the server, while CPU time spent handling a frame is
 * the server's own. A window that used under a second of CPU cannot hold a stall longer than that.
 */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the line (11 and 12 after the command), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

/** Polls /healthz every 50 ms until stopped; resolves with the slowest answer and the server's CPU use (ms). */
function watchHealth(url: string, pid: number) {
  const cpuBefore = cpuMs(pid);
  let running = true;
  let slowest = 0;
  let failures = 0;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
        if (response.status !== 200) failures += 1;
      } catch {
        failures += 1;
      }
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { slowest, failures, cpu: cpuMs(pid) - cpuBefore };
    },
  };
}

describe('a server in a child process with the default limits', () => {
  let database: ProvisionedDatabase;
  let running: SpawnedServer;
  let user: RegisteredUser;
  let keeper: TestProvider;
  let keeperEdits = 0;
  // 1.75 M items: ~14 MiB, the size the finding used (each item ~8 bytes here, clocks included).
  const amplified = amplifiedUpdate(1_750_000);

  beforeAll(async () => {
    database = await provisionDatabase();
    running = await spawnServer(testEnvironment(database, { RATE_LIMITS: 'on' }));
    user = await registerUser(running.url);
    keeper = connectProvider(running.collabUrl, 'keeper-doc', user.accessToken);
    await waitSynced(keeper, 30_000);
  }, 120_000);
  afterAll(async () => {
    keeper?.destroy();
    running?.child.kill('SIGKILL');
    await database?.drop();
  });

  async function keeperStillEdits() {
    keeperEdits += 1;
    const text = keeper.doc.getText('text');
    text.insert(text.length, `k${keeperEdits} `);
    await waitAcknowledged(keeper, 15_000);
    expect(keeper.closes).toEqual([]);
  }

  it('the amplified update is ~14 MiB, under MAX_MESSAGE_BYTES (16 MiB)', () => {
    expect(amplified.length).toBeGreaterThan(12 * 1024 * 1024);
    expect(amplified.length).toBeLessThan(16 * 1024 * 1024 - 64);
  });

  it('a signed-in user sending it to two new documents is refused (4413) and the process stays up', async () => {
    const health = watchHealth(running.url, running.child.pid!);
    const attackers = await Promise.all([rawCollabClient(running.collabUrl), rawCollabClient(running.collabUrl)]);
    expect(await attackers[0]!.authenticate('amplified-1', user.accessToken)).toBe('authenticated');
    expect(await attackers[1]!.authenticate('amplified-2', user.accessToken)).toBe('authenticated');
    attackers[0]!.send(updateFrame('amplified-1', amplified));
    attackers[1]!.send(updateFrame('amplified-2', amplified));
    for (const attacker of attackers)
      expect(await attacker.closed).toEqual({ code: 4413, reason: 'Update too complex' });
    await keeperStillEdits();
    const { slowest, failures, cpu } = await health.stop();
    expect(failures).toBe(0);
    expect(cpu, `server CPU in the window (slowest /healthz ${Math.round(slowest)} ms)`).toBeLessThan(1000);
    expect(running.child.exitCode).toBeNull();
  }, 120_000);

  it('a socket that never authenticated is closed unread (4401), however large its frame', async () => {
    const health = watchHealth(running.url, running.child.pid!);
    const strangers = await Promise.all([1, 2, 3].map(() => rawCollabClient(running.collabUrl)));
    for (const [i, stranger] of strangers.entries()) stranger.send(updateFrame(`stranger-${i}`, amplified));
    for (const stranger of strangers) expect(await stranger.closed).toEqual({ code: 4401, reason: 'Unauthorized' });
    // A 7 M-deep JSON array as an awareness state: never parsed.
    const nesting = await rawCollabClient(running.collabUrl);
    nesting.send(awarenessFrame('stranger-awareness', `${'['.repeat(7_000_000)}${']'.repeat(7_000_000)}`));
    expect(await nesting.closed).toEqual({ code: 4401, reason: 'Unauthorized' });
    await keeperStillEdits();
    const { slowest, failures, cpu } = await health.stop();
    expect(failures).toBe(0);
    expect(cpu, `server CPU in the window (slowest /healthz ${Math.round(slowest)} ms)`).toBeLessThan(1000);
  }, 120_000);

  it('an awareness state nested deeper than 64 from an authenticated socket closes it (4400)', async () => {
    const client = await rawCollabClient(running.collabUrl);
    expect(await client.authenticate('keeper-doc', user.accessToken)).toBe('authenticated');
    client.send(awarenessFrame('keeper-doc', `${'['.repeat(100_000)}${']'.repeat(100_000)}`));
    expect(await client.closed).toEqual({ code: 4400, reason: 'Malformed message' });
    await keeperStillEdits();
  }, 60_000);

  it('an update at the bound (50 000 structs) is applied without stalling the others for a second', async () => {
    const health = watchHealth(running.url, running.child.pid!);
    const heavy = await rawCollabClient(running.collabUrl);
    expect(await heavy.authenticate('heavy-doc', user.accessToken)).toBe('authenticated');
    const acknowledged = new Promise<void>((resolve) =>
      heavy.ws.on('message', (data: Buffer) => {
        if (data.includes(Buffer.from([SYNC_STATUS]))) resolve();
      }),
    );
    heavy.send(updateFrame('heavy-doc', amplifiedUpdate(50_000)));
    await keeperStillEdits();
    await acknowledged;
    const { slowest, failures, cpu } = await health.stop();
    expect(failures).toBe(0);
    expect(cpu, `server CPU in the window (slowest /healthz ${Math.round(slowest)} ms)`).toBeLessThan(1000);
    // Applied and kept: a provider opening the document sees every item.
    const reader = connectProvider(running.collabUrl, 'heavy-doc', user.accessToken, { awareness: false });
    try {
      await waitFor(() => reader.doc.getArray('a').length === 50_000, 30_000, 'the heavy document');
    } finally {
      reader.destroy();
      heavy.ws.close();
    }
    expect(running.child.exitCode).toBeNull();
  }, 120_000);
});

describe('MAX_DOCUMENT_STRUCTS', () => {
  let server: TestServer;
  let user: RegisteredUser;

  beforeAll(async () => {
    [server, user] = await startServerWithUsers(1, { MAX_UPDATE_STRUCTS: '2000', MAX_DOCUMENT_STRUCTS: '5000' });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('refuses the update that would take a document past it (4413) and stores nothing of it', async () => {
    const writer = connectProvider(server.collabUrl, 'crowded-doc', user.accessToken, { awareness: false });
    try {
      await waitSynced(writer);
      const items = writer.doc.getArray('items');
      writer.doc.transact(() => items.push(Array.from({ length: 1900 }, () => ({}))));
      await waitAcknowledged(writer);
      writer.doc.transact(() => items.push(Array.from({ length: 1900 }, () => ({}))));
      await waitAcknowledged(writer);
      const noteId = (await noteOf(server, 'crowded-doc'))!.id;
      // Each Any value counts: 2 × (1 item + 1900 values) held + 1901 more > 5000.
      writer.doc.transact(() => items.push(Array.from({ length: 1900 }, () => ({}))));
      await waitFor(() => writer.closes.some((close) => close.code === 4413), 10_000, 'a 4413 close');
      expect(writer.closes[0]).toEqual({ code: 4413, reason: 'Document too complex' });
      expect(storedItems(await server.server.services.documents.loadState(noteId))).toBe(3800);
    } finally {
      writer.destroy();
    }
  });

  it('a single update past MAX_UPDATE_STRUCTS closes the socket with 4413 "Update too complex"', async () => {
    const writer = connectProvider(server.collabUrl, 'busy-doc', user.accessToken, { awareness: false });
    try {
      await waitSynced(writer);
      writer.doc.getText('text').insert(0, 'kept');
      await waitAcknowledged(writer);
      writer.doc.transact(() => writer.doc.getArray('items').push(Array.from({ length: 2500 }, () => 1)));
      await waitFor(() => writer.closes.some((close) => close.code === 4413), 10_000, 'a 4413 close');
      expect(writer.closes[0]).toEqual({ code: 4413, reason: 'Update too complex' });
      expect(textOf(writer.doc)).toBe('kept');
    } finally {
      writer.destroy();
    }
  });
});
