// `npm run export -- --email USER_EMAIL [--out FILE]`: writes the account's data in the FrameLord
// export format (the format `npm run import` reads), to FILE or to stdout.
import { writeFile } from 'node:fs/promises';
import { exportFrameLordData } from '../domain/import/export-service.ts';
import {
  CliError,
  cliBlobService,
  findUserIdByEmail,
  openCliDatabase,
  parseCommandLine,
  runCli,
} from './cli-support.ts';

const USAGE = 'usage: npm run export -- --email USER_EMAIL [--out FILE]';

await runCli(async () => {
  const { values } = parseCommandLine(
    { options: { email: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', default: false } } },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.email) throw new CliError(USAGE, 2);
  const database = await openCliDatabase();
  try {
    const userId = await findUserIdByEmail(database.db, values.email);
    const data = await exportFrameLordData(database.db, cliBlobService(database), userId);
    const json = `${JSON.stringify(data, null, 2)}\n`;
    if (values.out) {
      await writeFile(values.out, json, 'utf8');
      const counts = Object.entries(data)
        .filter(([, value]) => Array.isArray(value))
        .map(([store, value]) => `${store} ${(value as unknown[]).length}`)
        .join(', ');
      process.stderr.write(`Exported ${values.email} to ${values.out}: ${counts}\n`);
    } else {
      process.stdout.write(json);
    }
  } finally {
    await database.close();
  }
});
