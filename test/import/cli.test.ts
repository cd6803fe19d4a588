// `npm run import` / `npm run export` as a user runs them: child processes on Node 24 against the
// database the server uses (DATABASE_URL, or PGlite in DATA_DIR).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { provisionDatabase, testEngine, type ProvisionedDatabase } from '../helpers/database.ts';
import { REPO_ROOT, startTestServerOn, testEnvironment } from '../helpers/server.ts';
import { EXPECTED_ADDED, EXPECTED_TOTALS } from './expected.ts';
import { countUserRows, loadSample, SAMPLE_PATH } from './support.ts';

let database: ProvisionedDatabase;
let user: RegisteredUser;
let scratch: string;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Each run starts a process that loads the database engine: slow on a loaded machine. */
const CLI_TIMEOUT_MS = 180_000;

function runCli(script: 'import' | 'export', args: string[]): Promise<CliRun> {
  const child = spawn(
    process.execPath,
    [
      '--experimental-strip-types',
      '--no-warnings=ExperimentalWarning',
      path.join(REPO_ROOT, `src/cli/${script}.ts`),
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...testEnvironment(database) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Counts through a short-lived handle: PGlite's directory must be free again for the next run. */
async function counts(): Promise<Record<string, number>> {
  const handle = await openDatabase({
    databaseUrl: database.databaseUrl,
    dataDir: database.dataDir,
    maxConnections: 1,
  });
  try {
    return await countUserRows(handle.db, user.userId);
  } finally {
    await handle.close();
  }
}

const samplePath = fileURLToPath(SAMPLE_PATH);

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'fl-import-cli-'));
  database = await provisionDatabase();
  const server = await startTestServerOn(database);
  try {
    user = await registerUser(server.url);
  } finally {
    await server.stop();
  }
});
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await database?.drop();
});

describe('npm run import', { timeout: CLI_TIMEOUT_MS }, () => {
  it('refuses bad usage, an unknown account and a bad file with a readable message', async () => {
    const usage = await runCli('import', [samplePath]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: npm run import -- --email USER_EMAIL');

    const unknown = await runCli('import', ['--email', 'nobody@example.com', samplePath]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No account with the email nobody@example.com');

    const file = loadSample();
    file.framelord_tasks[3].status = 'later';
    const badPath = path.join(scratch, 'bad.json');
    writeFileSync(badPath, JSON.stringify(file));
    const bad = await runCli('import', ['--email', user.email, badPath]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: Invalid export: framelord_tasks\[3\]\.status: /);
    expect(bad.stderr).not.toMatch(/\bat \S+\.ts:\d+/);
    expect((await counts()).notes).toBe(0);
  });

  it('--dry-run prints what it would write and writes nothing', async () => {
    const run = await runCli('import', ['--email', user.email, '--dry-run', samplePath]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('DRY RUN: nothing was written');
    expect(run.stdout).toMatch(/^notes\s+29\s+0\s+0\s+0\s+0$/m);
    expect((await counts()).notes).toBe(0);
  });

  it('imports with progress on stderr and a summary table on stdout; a second run changes nothing', async () => {
    const run = await runCli('import', ['--email', user.email.toUpperCase(), samplePath]);
    expect(run.code, run.stderr).toBe(0);
    for (const store of ['framelord_contacts', 'framelord_notes', 'note documents', 'pipelineItems'])
      expect(run.stderr).toContain(store);
    expect(run.stderr).toMatch(/note documents\s+29\/29/);
    expect(run.stdout).toContain('Import finished:');
    expect(run.stdout).toMatch(/^contacts\s+12\s+0\s+0\s+0\s+0$/m);
    expect(run.stdout).toMatch(/^note_links\s+22\s+/m);
    expect(run.stdout).toContain('1 warning:');
    expect(await counts()).toEqual(EXPECTED_TOTALS);

    const again = await runCli('import', ['--email', user.email, '--json', samplePath]);
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout);
    expect(
      summary.tables.filter(
        (row: { added: number; updated: number; removed: number }) => row.added + row.updated + row.removed > 0,
      ),
    ).toEqual([]);
    expect(
      Object.keys(EXPECTED_ADDED).every((table) =>
        summary.tables.some((row: { table: string }) => row.table === table),
      ),
    ).toBe(true);
  });
});

describe('npm run export', { timeout: CLI_TIMEOUT_MS }, () => {
  it('writes the account in the same format, to --out', async () => {
    const out = path.join(scratch, 'export.json');
    const run = await runCli('export', ['--email', user.email, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('framelord_notes 29');
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.framelord_contacts).toHaveLength(13);
    expect(file.framelord_notes).toHaveLength(29);
    expect(file.pipelineItems).toHaveLength(3);

    const toStdout = await runCli('export', ['--email', user.email]);
    expect(toStdout.code).toBe(0);
    expect(JSON.parse(toStdout.stdout).framelord_tasks).toHaveLength(17);
  });
});

describe('while the server runs on the same database', { timeout: CLI_TIMEOUT_MS }, () => {
  it('PGlite: says clearly that the server holds DATA_DIR and how to import through it instead; PostgreSQL: just works', async () => {
    const server = await startTestServerOn(database);
    try {
      const run = await runCli('import', ['--email', user.email, '--json', samplePath]);
      if (testEngine() === 'pglite') {
        expect(run.code).toBe(1);
        expect(run.stderr).toContain('is in use by process');
        expect(run.stderr).toContain('Stop the server first');
        expect(run.stderr).toContain('POST /api/v1/import');
      } else {
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout).tables.every((row: { added: number }) => row.added === 0)).toBe(true);
      }
    } finally {
      await server.stop();
    }
  });
});
