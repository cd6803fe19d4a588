// The randomized multi-device simulation (simulation.ts) with a fixed seed, on a real server. The
// benchmark (bench/sync.ts) runs the same simulation with many more runs and a fresh seed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runSyncSimulation } from './simulation.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

it('devices editing offline and syncing in random interleavings converge, and every change is applied or reported as lost', async () => {
  await expect(
    runSyncSimulation({
      baseUrl: server.url,
      runs: Number(process.env.SYNC_SIM_RUNS ?? 25),
      seed: Number(process.env.SYNC_SIM_SEED ?? 42),
    }),
  ).resolves.toBeUndefined();
}, 240_000);
