// The store that takes a version of a large live document (mode `store`, a version each time),
// alternately with and without an encoded base (encoded-base.ts: the loaded bytes, then each
// version's own encoding): store wall and main-thread CPU, the version's encoding alone, and the
// most CPU in one event-loop turn. BLOCKS (100000), ROUNDS (3 of each):
// TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx node --experimental-strip-types --no-warnings=ExperimentalWarning bench/probes/version-encoding.ts
import type * as Y from 'yjs';
import { warmLargeDocument } from '../../src/domain/blocksuite/index.ts';
import { type CompactionHook, compactDocument } from '../../src/domain/documents/compaction.ts';
import { encodedBase, keepEncodedBase, replaceEncodedBase } from '../../src/domain/documents/encoded-base.ts';
import { timeSlicer } from '../../src/domain/documents/time-slices.ts';
import { appendUpdates } from '../../src/domain/documents/update-log.ts';
import { takeVersionOnStore } from '../../src/domain/history/version-store.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { seedLoadedLargeDocument } from './large-document-seed.ts';

const blocks = Number(process.env.BLOCKS ?? 100_000);
const rounds = Number(process.env.ROUNDS ?? 3);
const t = await createTestDatabase();
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.threadCpuUsage(since);
  return (used.user + used.system) / 1000;
};
try {
  const { note, doc, stored } = await seedLoadedLargeDocument(t.db, blocks);
  await warmLargeDocument(doc, timeSlicer());
  const indexStarted = performance.now();
  const indexCpu = process.threadCpuUsage();
  keepEncodedBase(doc, stored as Uint8Array, timeSlicer());
  await encodedBase(doc);
  console.log(
    `index of the loaded ${((stored as Uint8Array).length / 1e6).toFixed(1)} MB: ${(performance.now() - indexStarted).toFixed(0)} ms wall, ${cpuMs(indexCpu).toFixed(0)} ms CPU`,
  );
  const live = { find: async () => doc, applyLogged: async () => false };
  const paragraphs = [...doc.getMap<Y.Map<unknown>>('blocks').values()].filter(
    (block) => block.get('sys:flavour') === 'affine:paragraph',
  );
  const policy = { enabled: true, intervalMinutes: 0, retentionDays: 30, minVersions: 20 };
  let encoding = { ms: 0, cpu: 0 };
  const hooks: CompactionHook[] = [
    {
      inTransaction: (tx, owner, stored) => {
        const timedState = async () => {
          const started = performance.now();
          const cpu = process.threadCpuUsage();
          const state = await stored.state();
          encoding = { ms: performance.now() - started, cpu: cpuMs(cpu) };
          return state;
        };
        return takeVersionOnStore(tx, owner, timedState, policy, stored.sessionId).then(() => {});
      },
    },
  ];
  let lastTick = process.threadCpuUsage();
  let turnMax = 0;
  setInterval(() => {
    const now = process.threadCpuUsage();
    turnMax = Math.max(turnMax, (now.user - lastTick.user + now.system - lastTick.system) / 1000);
    lastTick = now;
  }, 1).unref();
  for (let round = 0; round < rounds * 2; round += 1) {
    const withBase = round % 2 === 0;
    // Without: the base dropped (as for a document that keeps none); with: the last version's encoding.
    if (!withBase) replaceEncodedBase(doc, new Map(), 0);
    const text = (paragraphs[(round * 7919) % paragraphs.length] as Y.Map<unknown>).get('prop:text') as Y.Text;
    let update: Uint8Array | undefined;
    const listen = (u: Uint8Array) => {
      update = u;
    };
    doc.on('update', listen);
    text.insert(0, `edit ${round} `);
    doc.off('update', listen);
    await appendUpdates(t.db, note.id, [update as Uint8Array]);
    const started = performance.now();
    const cpu = process.threadCpuUsage();
    lastTick = process.threadCpuUsage();
    turnMax = 0;
    const result = await compactDocument(t.db, note.id, 'binary', hooks, live, 'store');
    console.log(
      `${withBase ? 'base   ' : 'no base'}: store ${(performance.now() - started).toFixed(0)} ms wall, ${cpuMs(cpu).toFixed(0)} ms CPU; encoding ${encoding.ms.toFixed(0)} ms wall, ${encoding.cpu.toFixed(0)} ms CPU; longest turn ${turnMax.toFixed(0)} ms CPU (${result.status})`,
    );
  }
} finally {
  await t.drop();
}
