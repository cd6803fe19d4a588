// Timing of the sample import: npm exec -- node --experimental-strip-types --no-warnings bench/probes/import-timing.ts
// (set TEST_DATABASE_URL for PostgreSQL).
import { readFileSync } from 'node:fs';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { insertAccount } from '../../src/domain/auth/accounts.ts';
import { importFrameLordExport } from '../../src/domain/import/import-service.ts';
import { exportFrameLordJson } from '../../src/domain/import/export-service.ts';
import { loadConfig } from '../../src/config.ts';
import { createBlobService } from '../../src/domain/blobs/blob-service.ts';
import { createDatabaseBlobStore } from '../../src/domain/blobs/database-blob-store.ts';
const raw = JSON.parse(
  readFileSync(new URL('../../test/fixtures/framelord-export/sample-export.json', import.meta.url), 'utf8'),
);
const t = await createTestDatabase();
const blobs = createBlobService(t.db, createDatabaseBlobStore(t.handle), loadConfig({}).blobs);
try {
  const r: Record<string, number[]> = { dry: [], first: [], again: [], export: [] };
  for (let i = 0; i < 5; i++) {
    const acct = await t.db.transaction((tx) =>
      insertAccount(tx, { email: `a${i}@example.com`, passwordHash: 'x', fullName: 'A', avatarUrl: null }),
    );
    r.dry!.push((await importFrameLordExport(t.db, acct.user.id, raw, { blobs, dryRun: true })).duration_ms);
    r.first!.push((await importFrameLordExport(t.db, acct.user.id, raw, { blobs })).duration_ms);
    r.again!.push((await importFrameLordExport(t.db, acct.user.id, raw, { blobs })).duration_ms);
    const s = performance.now();
    for await (const _piece of exportFrameLordJson(t.db, blobs, acct.user.id));
    r.export!.push(Math.round(performance.now() - s));
  }
  console.log(JSON.stringify({ engine: t.handle.engine, ...r }));
} finally {
  await t.drop();
}
