// Version history benchmark (docs/benchmarks.md, "Version history"): bytes per version of a 1 MB
// note under steady editing, and what taking versions adds to a document store (compaction) and
// to the event loop that relays edits. Runs on in-memory PGlite, or on PostgreSQL when
// BENCH_DATABASE_URL names a database to create scratch databases on.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { contacts, notes, noteVersions, users } from '../src/db/schema/index.ts';
import { buildBlockSuiteDocument } from '../src/domain/blocksuite/index.ts';
import { compactDocument } from '../src/domain/documents/compaction.ts';
import { appendUpdates } from '../src/domain/documents/update-log.ts';
import { revertUpdate } from '../src/domain/history/revert-update.ts';
import { takeVersionOnStore, type VersionPolicy } from '../src/domain/history/version-store.ts';
import { scratchDatabase } from './store-derivatives.ts';

export interface HistoryBenchResult {
  documentBytes: number;
  rounds: number;
  editsPerRound: number;
  /** Median Yjs state bytes and stored (deflated) bytes per version. */
  versionBytes: number;
  storedBytes: number;
  /** Median store (compaction) time with a version taken, and without. */
  storeWithVersionMs: number;
  storeWithoutVersionMs: number;
  /** Largest event-loop delay seen during stores with versions, and without (ms). */
  loopDelayMaxWithMs: number;
  loopDelayMaxWithoutMs: number;
  /** Computing the restore update of the oldest version onto the final document. */
  restoreUpdateMs: number;
  restoreUpdateBytes: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function paragraphs(doc: Y.Doc): Y.Text[] {
  return [...doc.getMap<Y.Map<unknown>>('blocks').values()]
    .filter((block) => block.get('sys:flavour') === 'affine:paragraph')
    .map((block) => block.get('prop:text') as Y.Text);
}

/** A BlockSuite page of about `bytes` of Yjs state. */
function documentOf(bytes: number): Y.Doc {
  const line = (i: number) => `Paragraph ${i} with ordinary words about planning, people, projects and follow-ups`;
  // About 320 bytes of Yjs state per paragraph block (its map, props and text).
  const count = Math.ceil(bytes / 320);
  return buildBlockSuiteDocument(
    'History bench',
    Array.from({ length: count }, (_, i) => line(i)),
  );
}

export async function runHistoryBench(
  rounds = Number(process.env.BENCH_HISTORY_ROUNDS ?? 10),
  editsPerRound = 50,
): Promise<HistoryBenchResult> {
  const { handle, drop } = await scratchDatabase();
  const db = handle.db;
  try {
    const [user] = await db
      .insert(users)
      .values({ email: `bench-${Date.now()}@example.com`, full_name: 'Bench' })
      .returning();
    if (!user) throw new Error('no user');
    const [zero] = await db
      .insert(contacts)
      .values({
        user_id: user.id,
        full_name: 'Bench',
        is_contact_zero: true,
        relationship_domain: 'hybrid',
        relationship_role: 'self',
      })
      .returning();
    if (!zero) throw new Error('no contact');
    const [note] = await db
      .insert(notes)
      .values({ user_id: user.id, author_contact_id: zero.id, blocksuite_doc_id: `bench-history-${Date.now()}` })
      .returning();
    if (!note) throw new Error('no note');

    const doc = documentOf(1024 * 1024);
    const documentBytes = Y.encodeStateAsUpdate(doc).length;
    await appendUpdates(db, note.id, [Y.encodeStateAsUpdate(doc)]);
    await compactDocument(db, note.id);
    const oldest = Y.encodeStateAsUpdate(doc);

    const on: VersionPolicy = { enabled: true, intervalMinutes: 0, retentionDays: 30, minVersions: 1000 };
    const off: VersionPolicy = { ...on, enabled: false };
    const texts = paragraphs(doc);
    const versionBytes: number[] = [];
    const storedBytes: number[] = [];
    const withMs: number[] = [];
    const withoutMs: number[] = [];
    let loopWith = 0;
    let loopWithout = 0;
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    // Event-loop delay while a store runs: on PostgreSQL the database is another process, so this
    // is what the store costs the loop that relays edits (on PGlite the database itself runs on it).
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    for (let round = 0; round < rounds * 2; round += 1) {
      // Steady editing: typing and deleting in random paragraphs, one logged update per edit.
      const updates: Uint8Array[] = [];
      for (let edit = 0; edit < editsPerRound; edit += 1) {
        const before = Y.encodeStateVector(doc);
        const text = texts[random(texts.length)] as Y.Text;
        if (random(3) === 0 && text.length > 10) text.delete(random(text.length - 5), 5);
        else text.insert(random(text.length + 1), 'typed ');
        updates.push(Y.encodeStateAsUpdate(doc, before));
      }
      await appendUpdates(db, note.id, updates);
      const withVersion = round % 2 === 0;
      histogram.reset();
      const started = performance.now();
      await compactDocument(db, note.id, 'binary', [
        { inTransaction: (tx, row, stored) => takeVersionOnStore(tx, row, stored.state, withVersion ? on : off) },
      ]);
      const ms = performance.now() - started;
      const maxDelay = histogram.max / 1e6;
      if (withVersion) {
        withMs.push(ms);
        loopWith = Math.max(loopWith, maxDelay);
      } else {
        withoutMs.push(ms);
        loopWithout = Math.max(loopWithout, maxDelay);
      }
    }
    histogram.disable();
    const sizes = await db
      .select({ size: noteVersions.size, stored_size: noteVersions.stored_size })
      .from(noteVersions)
      .where(eq(noteVersions.note_id, note.id));
    for (const row of sizes) {
      versionBytes.push(row.size);
      storedBytes.push(row.stored_size);
    }
    const started = performance.now();
    const restore = revertUpdate(Y.encodeStateAsUpdate(doc), oldest);
    const restoreUpdateMs = performance.now() - started;
    return {
      documentBytes,
      rounds,
      editsPerRound,
      versionBytes: median(versionBytes),
      storedBytes: median(storedBytes),
      storeWithVersionMs: median(withMs),
      storeWithoutVersionMs: median(withoutMs),
      loopDelayMaxWithMs: loopWith,
      loopDelayMaxWithoutMs: loopWithout,
      restoreUpdateMs,
      restoreUpdateBytes: restore.length,
    };
  } finally {
    await drop();
  }
}

export function printHistoryBench(result: HistoryBenchResult, engine: string): void {
  console.log(
    `\n== Version history (${engine}): 1 MB note, ${result.rounds} stores with a version and ${result.rounds} without, ${result.editsPerRound} edits before each`,
  );
  console.table({
    'document bytes (Yjs state)': result.documentBytes,
    'version: state bytes (median)': result.versionBytes,
    'version: stored bytes, deflated (median)': result.storedBytes,
    'store with a version, ms (median)': Number(result.storeWithVersionMs.toFixed(1)),
    'store without, ms (median)': Number(result.storeWithoutVersionMs.toFixed(1)),
    'event-loop delay max with versions, ms': Number(result.loopDelayMaxWithMs.toFixed(1)),
    'event-loop delay max without, ms': Number(result.loopDelayMaxWithoutMs.toFixed(1)),
    'restore update of the oldest version, ms': Number(result.restoreUpdateMs.toFixed(1)),
    'restore update bytes': result.restoreUpdateBytes,
  });
}
