// `npm run export -- --email USER_EMAIL [--out FILE]`: writes the account's data in the FrameLord
// export format (the format `npm run import` reads), to FILE or to stdout. `--archive FILE.zip`
// writes the complete account archive instead (documents included, docs/accounts.md).
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { accountArchive } from '../domain/import/archive.ts';
import { exportFrameLordData } from '../domain/import/export-service.ts';
import {
  CliError,
  cliBlobService,
  findUserIdByEmail,
  openCliDatabase,
  parseCommandLine,
  runCli,
} from './cli-support.ts';

const USAGE = 'usage: npm run export -- --email USER_EMAIL [--out FILE | --archive FILE.zip]';

await runCli(async () => {
  const { values } = parseCommandLine(
    {
      options: {
        email: { type: 'string' },
        out: { type: 'string' },
        archive: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    },
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
    if (values.archive) {
      // The same archive as GET /api/v1/export/archive, streamed to the file (docs/accounts.md).
      await pipeline(
        Readable.from(accountArchive(database.db, cliBlobService(database), userId)),
        createWriteStream(values.archive),
      );
      process.stderr.write(`Exported ${values.email} to ${values.archive}\n`);
      return;
    }
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
