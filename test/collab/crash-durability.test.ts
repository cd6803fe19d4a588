// Kill -9 at random moments right after the provider was told everything is saved: nothing it
// was told may be missing after a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../helpers/auth.ts';
import { connectProvider, waitSynced, type TestProvider } from '../helpers/collab.ts';
import { provisionDatabase, type ProvisionedDatabase } from '../helpers/database.ts';
import { spawnServer, testEnvironment, type SpawnedServer } from '../helpers/server.ts';

const DOC = 'crash-doc';
const ROUNDS = 6;

let database: ProvisionedDatabase;
let running: SpawnedServer | undefined;
let client: TestProvider | undefined;

beforeAll(async () => {
  database = await provisionDatabase();
});
afterAll(async () => {
  client?.destroy();
  running?.child.kill('SIGKILL');
  await database?.drop();
});

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const editsOf = (provider: TestProvider) => new Set(provider.doc.getArray<string>('edits').toArray());

describe('kill -9', () => {
  it('never loses an acknowledged edit, whatever the moment of the kill', { timeout: 300_000 }, async () => {
    const env = testEnvironment(database);
    running = await spawnServer(env);
    const user = await registerUser(running.url);
    const acknowledged = new Set<string>();
    let killedAtZero = 0;

    for (let round = 0; round < ROUNDS; round += 1) {
      if (round > 0) running = await spawnServer(env);
      const server = running;
      client = connectProvider(server.collabUrl, DOC, user.accessToken, { awareness: false });
      const provider = client;
      await waitSynced(provider, 30_000);
      const present = editsOf(provider);
      const missing = [...acknowledged].filter((edit) => !present.has(edit));
      expect(missing, `round ${round}: acknowledged edits missing after the restart`).toEqual([]);

      const edits = provider.doc.getArray<string>('edits');
      const sent: string[] = [];
      let armed = false;
      const killed = new Promise<void>((resolve) => {
        provider.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
          if (!armed || number !== 0) return;
          armed = false;
          // Synchronously, in the very event that reports "all saved".
          server.child.kill('SIGKILL');
          for (const edit of sent) acknowledged.add(edit);
          killedAtZero += 1;
          resolve();
        });
      });
      const killAfter = randomInt(3, 60);
      let index = 0;
      while (!armed) {
        for (let burst = randomInt(1, 8); burst > 0; burst -= 1) {
          const edit = `r${round}-e${index}`;
          index += 1;
          edits.push([edit]);
          sent.push(edit);
        }
        if (index >= killAfter) armed = true;
        else await sleep(randomInt(0, 15));
      }
      // Half the rounds keep typing, so the kill lands at whatever moment the counter touches
      // zero between keystrokes; typing stops after a while in case it never does.
      if (Math.random() < 0.5) {
        let stop = false;
        void killed.then(() => (stop = true));
        for (let extra = randomInt(5, 80); !stop && extra > 0; extra -= 1) {
          const edit = `r${round}-e${index}`;
          index += 1;
          edits.push([edit]);
          sent.push(edit);
          await sleep(randomInt(1, 6));
        }
      }
      await killed;
      expect(await server.exited).toBeNull();
      client.destroy();
      client = undefined;
    }
    expect(killedAtZero).toBe(ROUNDS);

    running = await spawnServer(env);
    client = connectProvider(running.collabUrl, DOC, user.accessToken, { awareness: false });
    await waitSynced(client, 30_000);
    const finalEdits = editsOf(client);
    expect([...acknowledged].filter((edit) => !finalEdits.has(edit))).toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(ROUNDS * 3);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
