// `npm run export -- --email USER_EMAIL [--out FILE]`: writes the account's data in the FrameLord
// export format (the format `npm run import` reads), to FILE or to stdout. `--archive FILE.zip`
// writes the complete account archive instead (documents included, docs/accounts.md).
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { accountArchive } from '../domain/import/archive.ts';
import { exportFrameLordJson, type ExportCounts } from '../domain/import/export-service.ts';
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
    // Streamed to the file or stdout as it is read (docs/accounts.md): never whole in memory.
    const counts: ExportCounts = {};
    await pipeline(
      Readable.from(
        exportFrameLordJson(database.db, cliBlobService(database), userId, new Date(), counts, (note) =>
          process.stderr.write(
            `Note ${note.noteId} (${note.id} in the file) written without its whole content: its log entry ${note.logEntry} is too costly to integrate (listed in incompleteNotes; the note is unchanged on the server)\n`,
          ),
        ),
      ),
      values.out ? createWriteStream(values.out) : process.stdout,
      { end: values.out !== undefined },
    );
    if (values.out) {
      const summary = Object.entries(counts)
        .map(([store, count]) => `${store} ${count}`)
        .join(', ');
      process.stderr.write(`Exported ${values.email} to ${values.out}: ${summary}\n`);
    } else {
      process.stdout.write('\n');
    }
  } finally {
    await database.close();
  }
});
