// Peak memory of the server process answering GET /api/v1/export for an account with large
// attachments (docs/benchmarks.md, "Export"):
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npm exec -- node --experimental-strip-types --no-warnings bench/probes/export-memory.ts [REPO_DIR]
// REPO_DIR is the checkout whose server runs (default: this one), so two checkouts compare before
// and after. PostgreSQL only: with PGlite the database itself lives in the server process.
// EXPORT_FILES (default 30) attachments of EXPORT_FILE_MB (default 9) MB each, one per interaction.
// The peak is the kernel's VmHWM of the server, reset (clear_refs) after the account is built.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { provisionDatabase } from '../../test/helpers/database.ts';
import { REPO_ROOT, testEnvironment } from '../../test/helpers/server.ts';

const repo = path.resolve(process.argv[2] ?? REPO_ROOT);
const files = Number(process.env.EXPORT_FILES ?? 30);
const fileBytes = Number(process.env.EXPORT_FILE_MB ?? 9) * 1_000_000;
if (!process.env.TEST_DATABASE_URL) throw new Error('set TEST_DATABASE_URL (PostgreSQL)');

const kib = (field: string, pid: number) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

const database = await provisionDatabase();
const child = spawn(
  process.execPath,
  ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', path.join(repo, 'src/main.ts')],
  { cwd: repo, env: { PATH: process.env.PATH ?? '', ...testEnvironment(database) } },
);
try {
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /"port":(\d+)[^\n]*"msg":"server listening"/.exec(output);
      if (match?.[1]) resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const url = `http://127.0.0.1:${port}/api/v1`;
  const call = async (method: string, route: string, body?: unknown, token?: string) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { data: any };
  };
  const account = await call('POST', '/auth/register', {
    email: `export-${Date.now()}@example.com`,
    password: 'correct horse battery',
    full_name: 'Exporter',
  });
  const token = account.data.access_token as string;
  const contactId = account.data.contact_zero.id as string;
  for (let index = 0; index < files; index += 1) {
    await call(
      'POST',
      '/interactions',
      {
        contact_id: contactId,
        type: 'meeting',
        summary: `Meeting ${index}`,
        occurred_at: new Date(Date.UTC(2025, 0, 1 + index)).toISOString(),
        attachments: [
          {
            file_name: `file-${index}.bin`,
            mime_type: 'application/octet-stream',
            data_url: `data:application/octet-stream;base64,${randomBytes(fileBytes).toString('base64')}`,
          },
        ],
      },
      token,
    );
  }
  const pid = child.pid as number;
  // Settle, then reset the peak so it measures the export alone.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const before = kib('VmRSS', pid);
  const started = performance.now();
  const response = await fetch(`${url}/export`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`export: ${response.status}`);
  let bytes = 0;
  for await (const chunk of response.body as ReadableStream<Uint8Array>) bytes += chunk.byteLength;
  const seconds = (performance.now() - started) / 1000;
  const peak = kib('VmHWM', pid);
  console.log(
    JSON.stringify({
      repo,
      files,
      file_mb: fileBytes / 1_000_000,
      export_mb: Math.round(bytes / 1e6),
      rss_before_mb: Math.round(before / 1024),
      peak_rss_mb: Math.round(peak / 1024),
      peak_over_before_mb: Math.round((peak - before) / 1024),
      seconds: Number(seconds.toFixed(1)),
    }),
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await database.drop();
}
