// Where a store after a small edit of a large live document spends its time, phase by phase
// (wall and main-thread CPU). BLOCKS (10000), ROUNDS (5):
// TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm exec -- node --experimental-strip-types --no-warnings bench/probes/store-phases.ts
import { eq, sql } from 'drizzle-orm';
import type * as Y from 'yjs';
import { notes } from '../../src/db/schema/index.ts';
import { readBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { type CompactionHook, compactDocument } from '../../src/domain/documents/compaction.ts';
import { encodeStateInSlices } from '../../src/domain/documents/sliced-encoding.ts';
import { md5Hex } from '../../src/domain/documents/stored-state-marks.ts';
import { NO_SLICES } from '../../src/domain/documents/time-slices.ts';
import { appendUpdates } from '../../src/domain/documents/update-log.ts';
import { takeVersionOnStore } from '../../src/domain/history/version-store.ts';
import { updateNoteFromContent } from '../../src/domain/notes/document-derivatives.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { seedLoadedLargeDocument } from './large-document-seed.ts';

const blocks = Number(process.env.BLOCKS ?? 10_000);
const rounds = Number(process.env.ROUNDS ?? 5);
const t = await createTestDatabase();
const times = new Map<string, Array<{ ms: number; cpu: number }>>();
async function phase<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  const cpu = process.threadCpuUsage();
  const result = await run();
  const used = process.threadCpuUsage(cpu);
  const list = times.get(name) ?? [];
  list.push({ ms: performance.now() - started, cpu: (used.user + used.system) / 1000 });
  times.set(name, list);
  return result;
}
try {
  const { owner, note, doc } = await seedLoadedLargeDocument(t.db, blocks);
  const live = { find: async () => doc, applyLogged: async () => false };
  const policy = { enabled: true, intervalMinutes: 0, retentionDays: 30, minVersions: 20 };
  const hooks: CompactionHook[] = [
    {
      inTransaction: (tx, n, stored) =>
        phase('  version (in tx)', () => takeVersionOnStore(tx, n, stored.state, policy)),
    },
  ];
  const paragraph = [...doc.getMap<Y.Map<unknown>>('blocks').values()].find(
    (block) => block.get('sys:flavour') === 'affine:paragraph',
  )!;
  const edit = () => {
    let update: Uint8Array | undefined;
    const listen = (u: Uint8Array) => {
      update = u;
    };
    doc.on('update', listen);
    (paragraph.get('prop:text') as Y.Text).insert(0, 'edit ');
    doc.off('update', listen);
    return update!;
  };
  for (let round = 0; round < rounds; round += 1) {
    await appendUpdates(t.db, note.id, [edit()]);
    await phase('store, from memory, version each time', () => compactDocument(t.db, note.id, 'binary', hooks, live));
    await appendUpdates(t.db, note.id, [edit()]);
    await phase('store, from memory, no version', () => compactDocument(t.db, note.id, 'binary', [], live));
    await appendUpdates(t.db, note.id, [edit()]);
    await phase('store mode (refresh), version each time', () =>
      compactDocument(t.db, note.id, 'binary', hooks, live, 'store'),
    );
    await appendUpdates(t.db, note.id, [edit()]);
    await phase('store mode (refresh), no version', () => compactDocument(t.db, note.id, 'binary', [], live, 'store'));
    const encoded = await phase('  encode', () => encodeStateInSlices(doc, NO_SLICES));
    const content = await phase('  read content', () => readBlockSuiteDocument(doc));
    await phase('  md5 of state', () => md5Hex(encoded.update));
    await phase('  write state (one statement)', () =>
      t.db.update(notes).set({ blocksuite_doc: encoded.update }).where(eq(notes.id, note.id)),
    );
    edit();
    const changed = readBlockSuiteDocument(doc);
    await phase('  derived data, changed text', () =>
      t.db.transaction(async (tx) => {
        if (process.env.LOG_STATEMENTS) await tx.execute(sql`set local log_min_duration_statement = 0`);
        await updateNoteFromContent(tx, { id: note.id, user_id: owner.userId, title: `Large ${blocks}` }, changed);
      }),
    );
    await phase('  derived data, unchanged', () =>
      t.db.transaction((tx) =>
        updateNoteFromContent(tx, { id: note.id, user_id: owner.userId, title: `Large ${blocks}` }, changed),
      ),
    );
    void content;
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  console.log(`${blocks} blocks, load ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
  for (const [name, list] of times)
    console.log(
      `${name.padEnd(42)} wall ${median(list.map((x) => x.ms))
        .toFixed(1)
        .padStart(8)} ms   cpu ${median(list.map((x) => x.cpu))
        .toFixed(1)
        .padStart(8)} ms`,
    );
} finally {
  await t.drop();
}
