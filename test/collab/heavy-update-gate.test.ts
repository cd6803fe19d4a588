// One heavy update applied per event-loop turn (src/collab/heavy-update-gate.ts): heavy frames of
// several sockets that arrive in one poll are applied in separate turns, with timers and other
// sockets served between them, and a socket's frames are applied in the order it sent them.
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeavyUpdateGate, HEAVY_UPDATE_COST } from '../../src/collab/heavy-update-gate.ts';
import type { RegisteredUser } from '../helpers/auth.ts';
import { rawCollabClient, waitFor } from '../helpers/collab.ts';
import type { TestServer } from '../helpers/server.ts';
import { startServerWithUsers } from '../helpers/server-with-users.ts';
import { amplifiedUpdate, sendAwaitingAck, updateFrame } from './amplified-update.ts';

const frame = (label: string) => new TextEncoder().encode(label);
const label = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

/** Counts event-loop iterations: one setImmediate per check phase, for as long as it runs. */
function loopIterations(): { readonly current: number; stop(): void } {
  let current = 0;
  let running = true;
  const tick = () => {
    current += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get current() {
      return current;
    },
    stop() {
      running = false;
    },
  };
}

describe('heavy update gate', () => {
  it("keeps each socket's order, serves sockets first come first served, one heavy frame per turn", async () => {
    const gate = createHeavyUpdateGate({ maxWaitingBytes: 1024 });
    const delivered: string[] = [];
    const timers: string[] = [];
    const deliver = (bytes: Uint8Array) => {
      delivered.push(label(bytes));
      // A heavy apply takes time: the timer below falls due during the first one.
      if (label(bytes).startsWith('H')) busy(5);
    };
    const a = gate.lane(deliver);
    const b = gate.lane(deliver);
    setTimeout(() => timers.push(`timer after ${delivered.join(' ')}`), 1);
    a.push(frame('Ha1'), true);
    a.push(frame('la2'), false);
    b.push(frame('Hb1'), true);
    a.push(frame('Ha3'), true);
    a.push(frame('la4'), false);
    b.push(frame('lb2'), false);
    // Light frames behind a heavy one wait for it; nothing heavy runs in the turn it arrived.
    expect(delivered).toEqual([]);
    await waitFor(() => delivered.length === 6, 2000);
    expect(delivered).toEqual(['Ha1', 'la2', 'Hb1', 'lb2', 'Ha3', 'la4']);
    // The timer ran between the first heavy turn and the second, not after all of them.
    expect(timers).toEqual(['timer after Ha1 la2']);
  });

  it('passes a light frame at once when nothing of its socket waits, and drops what a closed socket left', async () => {
    const gate = createHeavyUpdateGate({ maxWaitingBytes: 1024 });
    const delivered: string[] = [];
    const lane = gate.lane((bytes) => delivered.push(label(bytes)));
    lane.push(frame('l1'), false);
    expect(delivered).toEqual(['l1']);
    lane.push(frame('H2'), true);
    lane.push(frame('l3'), false);
    lane.close();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(delivered).toEqual(['l1']);
    expect(gate.waiting).toBe(0);
  });

  it('refuses a frame that would take what one socket has waiting past its bound, and counts only what waits', async () => {
    const gate = createHeavyUpdateGate({ maxWaitingBytes: 10 });
    const delivered: string[] = [];
    const lane = gate.lane((bytes) => delivered.push(label(bytes)));
    const other = gate.lane((bytes) => delivered.push(label(bytes)));
    // Delivered at once: nothing waits, so nothing counts against the bound.
    expect(lane.push(frame('light-frame-longer-than-ten'), false)).toBe(true);
    expect(lane.push(frame('H1234'), true)).toBe(true); // 5 bytes waiting
    expect(lane.push(frame('l1234'), false)).toBe(true); // 10
    expect(lane.push(frame('l'), false)).toBe(false); // would be 11: refused, dropped
    // Another socket's bound is its own.
    expect(other.push(frame('H9'), true)).toBe(true);
    await waitFor(() => delivered.length === 4, 2000);
    expect(delivered).toEqual(['light-frame-longer-than-ten', 'H1234', 'l1234', 'H9']);
    // Once delivered, the bytes no longer count.
    expect(lane.push(frame('H123456789'), true)).toBe(true);
    await waitFor(() => delivered.length === 5, 2000);
  });
});

describe('heavy update gate on real sockets', () => {
  let server: TestServer;
  let user: RegisteredUser;

  beforeAll(async () => {
    [server, user] = await startServerWithUsers(1);
  });
  afterAll(() => server?.destroy());

  it('applies the heavy updates of several sockets read in one poll in separate turns, each socket in order', async () => {
    const names = ['gate-doc-0', 'gate-doc-1'];
    const clients = await Promise.all(names.map(() => rawCollabClient(server.collabUrl)));
    for (const [i, name] of names.entries()) {
      expect(await clients[i]!.authenticate(name, user.accessToken)).toBe('authenticated');
      // Loaded and live before the heavy frames come.
      expect(await sendAwaitingAck(clients[i]!, name, amplifiedUpdate(1, 9000 + i))).toBe(true);
    }
    const applied: Array<{ name: string; client: number; structs: number; iteration: number }> = [];
    const iterations = loopIterations();
    for (const name of names) {
      const doc = (await server.server.services.liveDocuments.find(name)) as Y.Doc;
      doc.on('update', (update: Uint8Array) => {
        const { structs } = Y.decodeUpdate(update);
        applied.push({ name, client: structs[0]!.id.client, structs: structs.length, iteration: iterations.current });
      });
    }
    const heavy = HEAVY_UPDATE_COST * 20;
    // Heavy, light, heavy, light on each socket, all written in one tick.
    for (const [i, name] of names.entries()) {
      const client = clients[i]!;
      client.send(updateFrame(name, amplifiedUpdate(heavy, 100 + i * 10)));
      client.send(updateFrame(name, amplifiedUpdate(1, 101 + i * 10)));
      client.send(updateFrame(name, amplifiedUpdate(heavy, 102 + i * 10)));
      client.send(updateFrame(name, amplifiedUpdate(1, 103 + i * 10)));
    }
    await waitFor(() => applied.length === 8, 20_000, 'every update applied');
    iterations.stop();
    for (const [i, name] of names.entries())
      expect(applied.filter((entry) => entry.name === name).map((entry) => entry.client)).toEqual([
        100 + i * 10,
        101 + i * 10,
        102 + i * 10,
        103 + i * 10,
      ]);
    const heavyTurns = applied.filter((entry) => entry.structs >= heavy).map((entry) => entry.iteration);
    expect(heavyTurns).toHaveLength(4);
    // Four heavy applies, four different event-loop iterations.
    expect(new Set(heavyTurns).size).toBe(4);
    for (const client of clients) client.ws.close();
  });
});
