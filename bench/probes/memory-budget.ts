// MAX_LIVE_STRUCTS measured (docs/security.md, "Memory budget"): one signed-in user fills document
// after document with updates of 50 000 empty maps (the amplification, at MAX_UPDATE_STRUCTS), up
// to MAX_DOCUMENT_STRUCTS each, against a server in a child process with the default limits. Prints
// the child's peak RSS, how many structs went in, and what closed the sockets.
//   node --experimental-strip-types bench/probes/memory-budget.ts [MAX_LIVE_STRUCTS]
// (an argument overrides the budget, e.g. 1000000000 to see the process without one).
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_DOCUMENT_STRUCTS } from '../../src/config.ts';
import { amplifiedUpdate, sendAwaitingAck } from '../../test/collab/amplified-update.ts';
import { registerUser } from '../../test/helpers/auth.ts';
import { rawCollabClient } from '../../test/helpers/collab.ts';
import { provisionDatabase } from '../../test/helpers/database.ts';
import { spawnServer, testEnvironment } from '../../test/helpers/server.ts';

const DOCUMENTS = 10;
const STRUCTS_PER_UPDATE = 50_000;
// Enough updates to fill a document to the default MAX_DOCUMENT_STRUCTS (40 at 2 M).
const UPDATES_PER_DOCUMENT = Math.ceil(DEFAULT_MAX_DOCUMENT_STRUCTS / STRUCTS_PER_UPDATE);

const rssMb = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
};

const budget = process.argv[2];
const database = await provisionDatabase();
const running = await spawnServer(testEnvironment(database, budget ? { MAX_LIVE_STRUCTS: budget } : {}));
const pid = running.child.pid as number;
let peak = rssMb(pid);
const sampler = setInterval(() => {
  if (running.child.exitCode === null) peak = Math.max(peak, rssMb(pid));
}, 200);
const closes: Record<string, number> = {};
let admitted = 0;
const started = performance.now();
try {
  const user = await registerUser(running.url);
  for (let d = 0; d < DOCUMENTS && running.child.exitCode === null; d += 1) {
    const name = `budget-probe-${d}`;
    const client = await rawCollabClient(running.collabUrl);
    if ((await client.authenticate(name, user.accessToken).catch(() => 'closed')) !== 'authenticated') {
      const close = await client.closed;
      closes[`${close.code} ${close.reason}`] = (closes[`${close.code} ${close.reason}`] ?? 0) + 1;
      continue;
    }
    for (let u = 0; u < UPDATES_PER_DOCUMENT && client.isOpen(); u += 1) {
      // Each update after the last item of the one before, as a client appending would: an update
      // naming no origin in a long array is refused for its integration cost (integration-cost.ts).
      const after = u > 0 ? { client: 1000 + d * 100 + u - 1, clock: STRUCTS_PER_UPDATE - 1 } : undefined;
      if (await sendAwaitingAck(client, name, amplifiedUpdate(STRUCTS_PER_UPDATE, 1000 + d * 100 + u, after)))
        admitted += STRUCTS_PER_UPDATE;
    }
    // Kept open, so the document stays in memory while the next one fills.
    if (!client.isOpen()) {
      const close = await client.closed;
      closes[`${close.code} ${close.reason}`] = (closes[`${close.code} ${close.reason}`] ?? 0) + 1;
    }
  }
  const health = await fetch(`${running.url}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
    (response) => response.status,
    () => 'no answer',
  );
  console.log(
    JSON.stringify({
      max_live_structs: budget ?? 'default (4000000)',
      structs_admitted: admitted,
      peak_rss_mb: peak,
      closes,
      healthz_after: health,
      exit_code: running.child.exitCode,
      seconds: Math.round((performance.now() - started) / 1000),
    }),
  );
} finally {
  clearInterval(sampler);
  running.child.kill('SIGKILL');
  await database.drop();
}
process.exit(0);
