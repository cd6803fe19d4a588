// The embedded database's directory lock: one process at a time, even when several start at once.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from '../../src/db/data-dir-lock.ts';
import { REPO_ROOT } from '../helpers/server.ts';

let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

function newDataDir(): string {
  dataDir = mkdtempSync(path.join(tmpdir(), 'framelord-lock-'));
  return dataDir;
}

/**
 * Child processes that each try to take the lock at the same instant: every one loads, says it is
 * ready and spins until the go file appears; each holds what it got until its stdin closes, so a
 * slow starter cannot find the directory free again.
 */
async function contendAtOnce(dir: string, count: number): Promise<string[]> {
  const goFile = path.join(dir, '..', `${path.basename(dir)}.go`);
  const script = `
    import { existsSync } from 'node:fs';
    import { acquireDataDirLock } from ${JSON.stringify(path.join(REPO_ROOT, 'src/db/data-dir-lock.ts'))};
    console.log('ready');
    while (!existsSync(${JSON.stringify(goFile)})) {}
    let lock;
    try {
      lock = acquireDataDirLock(${JSON.stringify(dir)});
      console.log('locked');
    } catch (error) {
      console.log(error.name);
    }
    process.stdin.on('end', () => { lock?.release(); process.exit(0); });
    process.stdin.resume();`;
  const children = Array.from({ length: count }, () =>
    spawn(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', '--input-type=module', '-e', script],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    ),
  );
  const lines = children.map((child) => {
    const received: string[] = [];
    const waiters: Array<() => void> = [];
    child.stdout.on('data', (chunk: Buffer) => {
      received.push(...chunk.toString().split('\n').filter(Boolean));
      for (const wake of waiters.splice(0)) wake();
    });
    return async (index: number): Promise<string> => {
      while (received.length <= index) await new Promise<void>((wake) => waiters.push(wake));
      return received[index] ?? '';
    };
  });
  try {
    await Promise.all(lines.map((line) => line(0)));
    writeFileSync(goFile, '');
    return await Promise.all(lines.map((line) => line(1)));
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.on('exit', () => resolve());
            child.stdin.end();
          }),
      ),
    );
    rmSync(goFile, { force: true });
  }
}

function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid ?? 0;
    child.on('exit', () => resolve(pid));
  });
}

describe('data directory lock', () => {
  it('refuses a second holder while the first lives, and frees the directory on release', () => {
    const dir = newDataDir();
    writeFileSync(path.join(dir, 'server.lock'), String(process.ppid));
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    expect(() => acquireDataDirLock(dir)).toThrow(`is in use by process ${process.ppid}`);
    rmSync(path.join(dir, 'server.lock'));
    const lock = acquireDataDirLock(dir);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never takes over a lock file that names no process', () => {
    // Locks are linked into place with their pid already written, so an empty one is not ours to
    // judge stale (the old create-then-write lock let a second process steal it in between).
    const dir = newDataDir();
    writeFileSync(path.join(dir, 'server.lock'), '');
    expect(() => acquireDataDirLock(dir)).toThrow(/names no process/);
    expect(readdirSync(dir)).toEqual(['server.lock']);
  });

  it('takes over a lock left by a process that died, leaving no stray files', async () => {
    const dir = newDataDir();
    writeFileSync(path.join(dir, 'server.lock'), String(await deadPid()));
    const lock = acquireDataDirLock(dir);
    expect(readdirSync(dir)).toEqual(['server.lock']);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['a free directory', false],
    ['a stale lock', true],
  ])(
    'lets exactly one of eight processes starting at the same instant take %s',
    async (_, stale) => {
      const dir = newDataDir();
      if (stale) writeFileSync(path.join(dir, 'server.lock'), String(await deadPid()));
      const outcomes = await contendAtOnce(dir, 8);
      expect(outcomes.filter((outcome) => outcome === 'locked')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'DataDirLockedError')).toHaveLength(7);
    },
    30_000,
  );
});
