// `npm run import -- --email USER_EMAIL [--dry-run] [--json] FILE.json`: loads a FrameLord
// browser-app export into that account (docs/formats/framelord-export.md). Progress goes to
// stderr, the summary to stdout.
import { readFile } from 'node:fs/promises';
import { importFrameLordExport, type ImportProgress } from '../domain/import/import-service.ts';
import { loadConfig } from '../config.ts';
import { formatSummary } from '../domain/import/summary.ts';
import {
  CliError,
  cliBlobService,
  findUserIdByEmail,
  openCliDatabase,
  parseCommandLine,
  runCli,
} from './cli-support.ts';

const USAGE = 'usage: npm run import -- --email USER_EMAIL [--dry-run] [--json] FILE.json';

async function readExport(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function printProgress(event: ImportProgress): void {
  const label = event.store === 'documents' ? 'note documents' : event.store;
  const count =
    event.store === 'documents' ? `${event.done}/${event.total}` : `${event.done} record${event.done === 1 ? '' : 's'}`;
  process.stderr.write(`  ${label.padEnd(20)} ${count}\n`);
}

await runCli(async () => {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        email: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.email || positionals.length !== 1) throw new CliError(USAGE, 2);
  const file = positionals[0] as string;
  const input = await readExport(file);

  const database = await openCliDatabase();
  try {
    const userId = await findUserIdByEmail(database.db, values.email);
    process.stderr.write(
      `${values['dry-run'] ? 'Dry run of the import' : 'Importing'} ${file} into ${values.email} (${database.engine})\n`,
    );
    const summary = await importFrameLordExport(database.db, userId, input, {
      blobs: cliBlobService(database),
      dryRun: values['dry-run'],
      onProgress: printProgress,
      // Versions of the documents it creates, as through the API; no signed-in device here.
      history: loadConfig().history,
    });
    process.stdout.write(`${values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary)}\n`);
  } finally {
    await database.close();
  }
});
