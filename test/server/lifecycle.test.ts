import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { REPO_ROOT, spawnServer } from '../helpers/server.ts';

describe('the server process', () => {
  it('starts with no environment at all on an embedded database, is healthy and ready, and stops on SIGTERM with 0', async () => {
    const workdir = mkdtempSync(path.join(tmpdir(), 'fl-noenv-'));
    // Run from an empty directory so the default DATA_DIR (./data) lands there, with no variable set.
    const server = await spawnServer({}, 90_000, { cwd: workdir });
    try {
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: true, migrations: true } });
      expect(server.port).toBe(3000);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('server stopped');
    } finally {
      server.child.kill('SIGKILL');
      rmSync(workdir, { recursive: true, force: true });
    }
  });

  it('refuses a bad variable with one line naming it, and exits 1', () => {
    const result = spawnSync(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', 'src/main.ts'],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', PORT: 'eighty' },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/PORT/);
  });

  it('refuses production without JWT_SECRET and a short secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32 bytes/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).jwtSecret).toHaveLength(32);
  });

  it('gives one user half of MAX_LIVE_STRUCTS unless told, and never more than all of it', () => {
    expect(loadConfig({}).maxUserLiveStructs).toBe(2_000_000);
    expect(loadConfig({ MAX_LIVE_STRUCTS: '6001' }).maxUserLiveStructs).toBe(3000);
    expect(loadConfig({ MAX_USER_LIVE_STRUCTS: '4000000' }).maxUserLiveStructs).toBe(4_000_000);
    // Below MAX_DOCUMENT_STRUCTS is allowed: the user's notes then grow only to their share.
    expect(loadConfig({ MAX_USER_LIVE_STRUCTS: '1000' }).maxUserLiveStructs).toBe(1000);
    expect(() => loadConfig({ MAX_USER_LIVE_STRUCTS: '4000001' })).toThrow(
      /MAX_USER_LIVE_STRUCTS must be at most MAX_LIVE_STRUCTS/,
    );
    expect(() => loadConfig({ MAX_USER_LIVE_STRUCTS: '0' })).toThrow(/MAX_USER_LIVE_STRUCTS/);
  });
});
