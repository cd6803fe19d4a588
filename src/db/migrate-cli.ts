// `npm run db:migrate`: apply the migrations and exit, without starting the server.
import { loadConfig } from '../config.ts';
import { openDatabase } from './client.ts';
import { runMigrations } from './migrate.ts';

const config = loadConfig();
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  await runMigrations(handle);
  process.stdout.write(`migrations applied (${handle.engine})\n`);
} finally {
  await handle.close();
}
