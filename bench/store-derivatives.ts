// Issue 5 benchmark: extraction plus diff of a document's derived data (snapshot, title,
// references, links, topics) for 1k, 10k and 100k blocks with 1% wiki links, and its share of a
// whole store (compaction: merge the log, write the state, derive). Runs on in-memory PGlite, or
// on PostgreSQL when BENCH_DATABASE_URL names a database to create scratch databases on.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import * as Y from 'yjs';
import { openDatabase, type DatabaseHandle } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { contacts, notes, users } from '../src/db/schema/index.ts';
import { buildBlockSuiteDocument, normalizeTitle, readBlockSuiteDocument } from '../src/domain/blocksuite/index.ts';
import { compactDocument } from '../src/domain/documents/compaction.ts';
import { appendUpdates } from '../src/domain/documents/update-log.ts';
import { updateNoteFromDocument } from '../src/domain/notes/document-derivatives.ts';

export interface StoreDerivativesRow {
  blocks: number;
  labels: number;
  readMs: number;
  /** readBlockSuiteDocument + every diff, on an unchanged document (what a typical re-store costs). */
  deriveUnchangedMs: number;
  /** The first store: every reference, topic and link inserted. */
  storeFirstMs: number;
  /** A store after one paragraph changed: merge + write + derive. */
  storeEditMs: number;
  deriveShareOfStore: number;
}

const SIZES = [1_000, 10_000, 100_000];
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function scratchDatabase(): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    const handle = await openDatabase({ databaseUrl: undefined, dataDir: '', inMemory: true });
    await runMigrations(handle);
    return { handle, drop: () => handle.close() };
  }
  const name = `fl_bench_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  await runMigrations(handle);
  return {
    handle,
    drop: async () => {
      await handle.close();
      await admin.unsafe(`drop database ${name} with (force)`);
      await admin.end();
    },
  };
}

export function paragraphsWithLinks(count: number): { lines: string[]; labels: number } {
  const lines: string[] = [];
  let labels = 0;
  for (let i = 0; i < count; i += 1) {
    if (i % 100 === 0) {
      lines.push(`Paragraph ${i} mentions [[Topic ${labels % 500}]] and some words to index`);
      labels += 1;
    } else {
      lines.push(`Paragraph ${i} with ordinary words about planning, people and projects`);
    }
  }
  return { lines, labels };
}

export async function runStoreDerivativesBench(): Promise<StoreDerivativesRow[]> {
  const { handle, drop } = await scratchDatabase();
  const db = handle.db;
  const rows: StoreDerivativesRow[] = [];
  try {
    const [user] = await db
      .insert(users)
      .values({ email: `bench-${Date.now()}@example.com`, full_name: 'Bench' })
      .returning();
    const [zero] = await db
      .insert(contacts)
      .values({
        user_id: user!.id,
        full_name: 'Bench',
        is_contact_zero: true,
        relationship_domain: 'hybrid',
        relationship_role: 'self',
      })
      .returning();
    // Notes the labels resolve to, so link resolution does real work.
    await db.insert(notes).values(
      Array.from({ length: 50 }, (_, i) => ({
        user_id: user!.id,
        author_contact_id: zero!.id,
        blocksuite_doc_id: `bench-target-${i}-${Date.now()}`,
        title: `Topic ${i}`,
        title_normalized: normalizeTitle(`Topic ${i}`),
      })),
    );

    for (const blocks of SIZES) {
      const { lines, labels } = paragraphsWithLinks(blocks);
      const doc = buildBlockSuiteDocument(`Bench ${blocks}`, lines);
      const [note] = await db
        .insert(notes)
        .values({ user_id: user!.id, author_contact_id: zero!.id, blocksuite_doc_id: `bench-${blocks}-${Date.now()}` })
        .returning();
      const noteRef = { id: note!.id, user_id: user!.id, title: null };
      await appendUpdates(db, note!.id, [Y.encodeStateAsUpdate(doc)]);

      let started = performance.now();
      await compactDocument(db, note!.id);
      const storeFirstMs = performance.now() - started;

      const reads: number[] = [];
      const derives: number[] = [];
      const stores: number[] = [];
      const runs = blocks >= 100_000 ? 3 : 5;
      for (let run = 0; run < runs; run += 1) {
        started = performance.now();
        readBlockSuiteDocument(doc);
        reads.push(performance.now() - started);

        started = performance.now();
        await db.transaction((tx) => updateNoteFromDocument(tx, { ...noteRef, title: `Bench ${blocks}` }, doc));
        derives.push(performance.now() - started);

        // One edited paragraph, logged, then a whole store of it.
        const before = Y.encodeStateVector(doc);
        const paragraph = [...doc.getMap<Y.Map<unknown>>('blocks').values()].find(
          (block) => block.get('sys:flavour') === 'affine:paragraph',
        );
        (paragraph!.get('prop:text') as Y.Text).insert(0, 'x');
        await appendUpdates(db, note!.id, [Y.encodeStateAsUpdate(doc, before)]);
        started = performance.now();
        await compactDocument(db, note!.id);
        stores.push(performance.now() - started);
      }
      const row: StoreDerivativesRow = {
        blocks,
        labels,
        readMs: median(reads),
        deriveUnchangedMs: median(derives),
        storeFirstMs,
        storeEditMs: median(stores),
        deriveShareOfStore: median(derives) / median(stores),
      };
      rows.push(row);
      doc.destroy();
    }
  } finally {
    await drop();
  }
  return rows;
}

export function printStoreDerivatives(rows: StoreDerivativesRow[], engine: string): void {
  console.log(`\n== extraction + diff vs whole store (${engine})`);
  console.table(
    rows.map((row) => ({
      blocks: row.blocks,
      labels: row.labels,
      'read ms': row.readMs.toFixed(1),
      'extract+diff ms': row.deriveUnchangedMs.toFixed(1),
      'first store ms': row.storeFirstMs.toFixed(1),
      'store after edit ms': row.storeEditMs.toFixed(1),
      'extract+diff share': `${(row.deriveShareOfStore * 100).toFixed(0)}%`,
    })),
  );
  for (let i = 1; i < rows.length; i += 1) {
    const [small, large] = [rows[i - 1]!, rows[i]!];
    console.log(
      `${large.blocks}/${small.blocks} blocks: extract+diff ×${(large.deriveUnchangedMs / small.deriveUnchangedMs).toFixed(1)}, read ×${(large.readMs / small.readMs).toFixed(1)}, store ×${(large.storeEditMs / small.storeEditMs).toFixed(1)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printStoreDerivatives(await runStoreDerivativesBench(), process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite');
}
