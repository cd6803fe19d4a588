// The sample import in this checkout and in another one, in ONE process, taking turns: both see
// the same load, so the comparison holds on a busy machine where two separate runs would not
// (docs/benchmarks.md, "Import of the sample export"):
//   npm exec -- node --experimental-strip-types --no-warnings bench/probes/import-side-by-side.ts OTHER_REPO_DIR [ROUNDS]
// (set TEST_DATABASE_URL for PostgreSQL). Each checkout gets its own database, migrated by its own
// code; each round imports into a fresh account of each (the order alternates: ABBA), then again
// into the same account (nothing changes); one import of each before the rounds warms it up. Prints, per checkout, the median and quartiles of the
// import's own `duration_ms`, and the process CPU time the imports took (with PGlite that
// includes the database's work).
import path from 'node:path';
import { readFileSync } from 'node:fs';

const other = process.argv[2];
if (!other) throw new Error('usage: import-side-by-side.ts OTHER_REPO_DIR [ROUNDS]');
const rounds = Number(process.argv[3] ?? 10);
const here = path.resolve(import.meta.dirname, '../..');
const raw: unknown = JSON.parse(
  readFileSync(path.join(here, 'test/fixtures/framelord-export/sample-export.json'), 'utf8'),
);

interface Side {
  name: string;
  importOnce(first: boolean): Promise<{ ms: number; cpuMs: number }>;
  drop(): Promise<void>;
}

async function side(repo: string): Promise<Side> {
  const load = (file: string) => import(path.join(repo, file));
  const { createTestDatabase } = await load('test/helpers/database.ts');
  const { insertAccount } = await load('src/domain/auth/accounts.ts');
  const { importFrameLordExport } = await load('src/domain/import/import-service.ts');
  const { loadConfig } = await load('src/config.ts');
  const { createBlobService } = await load('src/domain/blobs/blob-service.ts');
  const { createDatabaseBlobStore } = await load('src/domain/blobs/database-blob-store.ts');
  const t = await createTestDatabase();
  const blobs = createBlobService(t.db, createDatabaseBlobStore(t.handle), loadConfig({}).blobs);
  let accounts = 0;
  let userId = '';
  return {
    name: repo,
    async importOnce(first) {
      if (first) {
        accounts += 1;
        const account = await t.db.transaction((tx: unknown) =>
          insertAccount(tx, { email: `a${accounts}@example.com`, passwordHash: 'x', fullName: 'A', avatarUrl: null }),
        );
        userId = account.user.id;
      }
      const cpu = process.cpuUsage();
      const summary = await importFrameLordExport(t.db, userId, raw, { blobs });
      const used = process.cpuUsage(cpu);
      return { ms: summary.duration_ms, cpuMs: Math.round((used.user + used.system) / 1000) };
    },
    drop: () => t.drop(),
  };
}

const sides = [await side(here), await side(path.resolve(other))];
const figures = sides.map(() => ({ first: [] as number[], firstCpu: [] as number[], again: [] as number[] }));
try {
  // Not counted: the first import of each side compiles its code.
  for (const one of sides) await one.importOnce(true);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1, 1, 0] : [1, 0, 0, 1];
    // ABBA within a round: each side once early and once late; a round imports two accounts per side.
    for (const index of order) {
      const first = await (sides[index] as Side).importOnce(true);
      const again = await (sides[index] as Side).importOnce(false);
      const figure = figures[index] as (typeof figures)[number];
      figure.first.push(first.ms);
      figure.firstCpu.push(first.cpuMs);
      figure.again.push(again.ms);
    }
  }
} finally {
  for (const one of sides) await one.drop();
}
const quartiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `${at(0.5)} (${at(0.25)}–${at(0.75)}, n=${sorted.length})`;
};
for (const [index, one] of sides.entries()) {
  const figure = figures[index] as (typeof figures)[number];
  console.log(
    JSON.stringify({
      checkout: one.name,
      engine: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite',
      first_ms: quartiles(figure.first),
      first_cpu_ms: quartiles(figure.firstCpu),
      again_ms: quartiles(figure.again),
    }),
  );
}
