// Starts the real server (same code path as `npm start`) on a fresh database and a free port.
// In-process for speed; `spawnServer` runs it as a child process for crash and signal tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { SERVER_NODE_FLAGS } from '../../src/runtime-flags.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { provisionDatabase, type ProvisionedDatabase } from './database.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Collects the JSON log lines a server writes, so tests can assert what is (not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
    callback();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestServer {
  server: RunningServer;
  url: string;
  /** `ws://127.0.0.1:PORT/collab` */
  collabUrl: string;
  logs: LogCapture;
  database: ProvisionedDatabase;
  /** Stops the server; the database is kept so a restart can find the data. */
  stop(): Promise<void>;
  /** Stops the server (if running) and drops the database. */
  destroy(): Promise<void>;
  /** Starts a new server on the same database (and port when free). */
  restart(extraEnv?: Record<string, string>): Promise<TestServer>;
}

export function testEnvironment(
  database: ProvisionedDatabase,
  extraEnv: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: database.dataDir,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'info',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...extraEnv,
  };
}

/** Starts the real server in-process on a database the caller provisioned (e.g. behind a proxy). */
export async function startTestServerOn(
  database: ProvisionedDatabase,
  extraEnv: Record<string, string> = {},
): Promise<TestServer> {
  return startOn(database, extraEnv);
}

async function startOn(database: ProvisionedDatabase, extraEnv: Record<string, string>): Promise<TestServer> {
  const logs = new LogCapture();
  const config = loadConfig(testEnvironment(database, extraEnv));
  const server = await startServer(config, createLogger(config.logLevel, logs));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
  };
  return {
    server,
    url: server.url,
    collabUrl: `${server.url.replace(/^http/, 'ws')}/collab`,
    logs,
    database,
    stop,
    destroy: async () => {
      await stop();
      await database.drop();
    },
    restart: async (moreEnv = {}) => {
      await stop();
      return startOn(database, { ...extraEnv, ...moreEnv });
    },
  };
}

export async function startTestServer(extraEnv: Record<string, string> = {}): Promise<TestServer> {
  const database = await provisionDatabase();
  try {
    return await startOn(database, extraEnv);
  } catch (error) {
    await database.drop();
    throw error;
  }
}

export interface SpawnedServer {
  child: ChildProcess;
  port: number;
  url: string;
  collabUrl: string;
  output: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Runs `src/main.ts` in a child process (Node 24, as `npm start` does) and waits until it listens. */
export async function spawnServer(
  env: Record<string, string>,
  timeoutMs = 60_000,
  options: { cwd?: string } = {},
): Promise<SpawnedServer> {
  const child = spawn(
    process.execPath,
    [
      ...SERVER_NODE_FLAGS,
      '--experimental-strip-types',
      '--no-warnings=ExperimentalWarning',
      path.join(REPO_ROOT, 'src/main.ts'),
    ],
    {
      cwd: options.cwd ?? REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /"port":(\d+)[^\n]*"msg":"server listening"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return { child, port, url, collabUrl: `ws://127.0.0.1:${port}/collab`, output: () => output, exited };
}
