// Debian's Chromium driven by playwright-core (no downloaded browser builds here: `.ci/install-browser`
// installs it with apt-get), and the demo page's build that the browser tests load from /demo.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from './server.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Where screenshots go; CI keeps the folder as an artifact. */
export const TEST_RESULTS_DIR = path.join(REPO_ROOT, 'test-results');

/** A fresh browser: `launch` gives it a new temporary profile, removed again on close. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: run \`bash .ci/install-browser\` (apt-get install chromium)`);
  }
  mkdirSync(TEST_RESULTS_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
}

const DEMO_DIR = path.join(REPO_ROOT, 'demo');
const DEMO_INDEX = path.join(DEMO_DIR, 'dist', 'index.html');

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: REPO_ROOT });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

function demoSourcesMtime(): number {
  return Math.max(
    ...['src', 'index.html', 'vite.config.ts', 'package.json', 'package-lock.json'].map((name) =>
      newestMtime(path.join(DEMO_DIR, name)),
    ),
  );
}

/**
 * Builds demo/dist when it is missing or older than its sources (installing demo/node_modules first
 * when that is missing or older than the lockfile). A lock directory keeps parallel test files from
 * building at once; the loser waits and re-checks.
 */
export async function ensureDemoBuilt(): Promise<void> {
  const lock = path.join(DEMO_DIR, '.build-lock');
  for (;;) {
    if (existsSync(DEMO_INDEX) && newestMtime(DEMO_INDEX) >= demoSourcesMtime()) return;
    try {
      mkdirSync(lock);
    } catch {
      // Another worker builds; a lock older than 10 minutes is left over from a killed run.
      if (Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    try {
      if (existsSync(DEMO_INDEX) && newestMtime(DEMO_INDEX) >= demoSourcesMtime()) return;
      const installed = path.join(DEMO_DIR, 'node_modules', '.package-lock.json');
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      if (
        !existsSync(installed) ||
        statSync(installed).mtimeMs < statSync(path.join(DEMO_DIR, 'package-lock.json')).mtimeMs
      ) {
        await run(npm, ['--prefix', DEMO_DIR, 'ci', '--no-audit', '--no-fund']);
      }
      await run(npm, ['--prefix', DEMO_DIR, 'run', 'build']);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
