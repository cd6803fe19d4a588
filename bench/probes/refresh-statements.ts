// A store of a large live document after a small edit (mode `store`, the log left unfolded: only
// the derived data refreshed), N times, each timed (wall and main-thread CPU). With
// LOG_STATEMENTS=1 on PostgreSQL every statement of the scratch database is logged with its
// duration (`log_min_duration_statement = 0`; read them in PostgreSQL's log). BLOCKS (10000),
// ROUNDS (20), EDIT=first|random (which paragraph is edited),
// VERSION=1 (the first store takes a version), WARM=0 (no read ahead after the load, as before
// the server read large documents right after loading them):
// TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm exec -- node --experimental-strip-types --no-warnings bench/probes/refresh-statements.ts
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type * as Y from 'yjs';
import { warmLargeDocument } from '../../src/domain/blocksuite/index.ts';
import { type CompactionHook, compactDocument } from '../../src/domain/documents/compaction.ts';
import { timeSlicer } from '../../src/domain/documents/time-slices.ts';
import { appendUpdates } from '../../src/domain/documents/update-log.ts';
import { takeVersionOnStore } from '../../src/domain/history/version-store.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { seedLoadedLargeDocument } from './large-document-seed.ts';

const blocks = Number(process.env.BLOCKS ?? 10_000);
const rounds = Number(process.env.ROUNDS ?? 20);
// One connection, so that the session's logging setting holds for every statement.
const t = await createTestDatabase({ maxConnections: 1 });
try {
  if (process.env.LOG_STATEMENTS && t.provisioned.databaseUrl)
    await t.db.execute(sql`set log_min_duration_statement = 0`);
  const { note, doc } = await seedLoadedLargeDocument(t.db, blocks);
  // What the server does right after a load (document-service.ts `loaded`), awaited: its time is not the store's.
  if (process.env.WARM !== '0') {
    const before = process.threadCpuUsage();
    await warmLargeDocument(doc, timeSlicer());
    const used = process.threadCpuUsage(before);
    console.log(`read ahead after the load: CPU ${((used.user + used.system) / 1000).toFixed(0)} ms`);
  }
  const live = { find: async () => doc, applyLogged: async () => false };
  const paragraphs = [...doc.getMap<Y.Map<unknown>>('blocks').values()].filter(
    (block) => block.get('sys:flavour') === 'affine:paragraph',
  );
  const edit = (round: number) => {
    const at = process.env.EDIT === 'random' ? (round * 7919) % paragraphs.length : 0;
    let update: Uint8Array | undefined;
    const listen = (u: Uint8Array) => {
      update = u;
    };
    doc.on('update', listen);
    ((paragraphs[at] as Y.Map<unknown>).get('prop:text') as Y.Text).insert(0, `edit ${round} `);
    doc.off('update', listen);
    return update as Uint8Array;
  };
  // VERSION=1: the first store takes a version, as the benchmark server's first store does.
  const policy = { enabled: true, intervalMinutes: 10, retentionDays: 30, minVersions: 20 };
  const hooks: CompactionHook[] = process.env.VERSION
    ? [{ inTransaction: (tx, owner, stored) => takeVersionOnStore(tx, owner, stored.state, policy, stored.sessionId) }]
    : [];
  // The most main-thread CPU in one event-loop turn (between two 1 ms ticks), as the benchmark's server measures it.
  let lastTick = process.threadCpuUsage();
  let turnMax = 0;
  setInterval(() => {
    const now = process.threadCpuUsage();
    turnMax = Math.max(turnMax, (now.user - lastTick.user + now.system - lastTick.system) / 1000);
    lastTick = now;
  }, 1).unref();
  const wall: number[] = [];
  const cpu: number[] = [];
  const turns: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    await appendUpdates(t.db, note.id, [edit(round)]);
    const started = performance.now();
    lastTick = process.threadCpuUsage();
    turnMax = 0;
    const before = process.threadCpuUsage();
    const result = await compactDocument(t.db, note.id, 'binary', hooks, live, 'store');
    const used = process.threadCpuUsage(before);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
    turns.push(turnMax);
    if (result.status !== 'refreshed') throw new Error(`store: ${result.status}`);
  }
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const median = (values: number[]) => sorted(values)[Math.floor(values.length / 2)] ?? 0;
  console.log(`${blocks} blocks, ${rounds} refreshes, load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log(`wall ms: median ${median(wall).toFixed(1)}, all ${wall.map((ms) => ms.toFixed(0)).join(' ')}`);
  console.log(`cpu ms: median ${median(cpu).toFixed(1)}, all ${cpu.map((ms) => ms.toFixed(0)).join(' ')}`);
  console.log(`most CPU in one turn, ms: ${turns.map((ms) => ms.toFixed(0)).join(' ')}`);
} finally {
  await t.drop();
}
