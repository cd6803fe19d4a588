// Statements the sample import sends (first run into a fresh account, then a re-run) and an export sends:
// npm exec -- node --experimental-strip-types --no-warnings bench/probes/import-statements.ts (set TEST_DATABASE_URL for
// PostgreSQL). A count, not a time: it does not depend on the machine's load.
import { readFileSync } from 'node:fs';
import { provisionDatabase } from '../../test/helpers/database.ts';
import { openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { insertAccount } from '../../src/domain/auth/accounts.ts';
import { importFrameLordExport } from '../../src/domain/import/import-service.ts';
import { exportFrameLordJson } from '../../src/domain/import/export-service.ts';
import { loadConfig } from '../../src/config.ts';
import { createBlobService } from '../../src/domain/blobs/blob-service.ts';
import { createDatabaseBlobStore } from '../../src/domain/blobs/database-blob-store.ts';
const raw = JSON.parse(
  readFileSync(new URL('../../test/fixtures/framelord-export/sample-export.json', import.meta.url), 'utf8'),
);
const provisioned = await provisionDatabase();
let n = 0;
const handle = await openDatabase({
  databaseUrl: provisioned.databaseUrl,
  dataDir: provisioned.dataDir,
  maxConnections: 5,
  onQuery: () => {
    n++;
  },
});
await runMigrations(handle);
const blobs = createBlobService(handle.db, createDatabaseBlobStore(handle), loadConfig({}).blobs);
const out: Record<string, number[]> = { first: [], again: [], export: [], firstMs: [], againMs: [] };
for (let i = 0; i < 3; i++) {
  const acct = await handle.db.transaction((tx) =>
    insertAccount(tx, { email: `a${i}@example.com`, passwordHash: 'x', fullName: 'A', avatarUrl: null }),
  );
  n = 0;
  let s = performance.now();
  await importFrameLordExport(handle.db, acct.user.id, raw, { blobs });
  out.first!.push(n);
  out.firstMs!.push(Math.round(performance.now() - s));
  n = 0;
  s = performance.now();
  await importFrameLordExport(handle.db, acct.user.id, raw, { blobs });
  out.again!.push(n);
  out.againMs!.push(Math.round(performance.now() - s));
  n = 0;
  for await (const _piece of exportFrameLordJson(handle.db, blobs, acct.user.id));
  out.export!.push(n);
}
console.log(JSON.stringify(out));
await handle.close();
await provisioned.drop();
