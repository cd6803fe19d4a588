// One heavy document must not stall the others (docs/security.md, "Memory budget"): against a
// server in a child process with the default limits, one signed-in user sends amplified updates
// at MAX_UPDATE_STRUCTS (50 000 empty maps each, ~300 KB) to several documents at once, each next
// update as soon as the previous one is acknowledged, up to MAX_DOCUMENT_STRUCTS per document.
// Meanwhile another user edits another document through a real provider (one edit every 100 ms,
// each awaited) with a second client of theirs on it. Measured, first with no attack (baseline),
// then during it:
// - the normal client's edit → acknowledgement delay, and its fan-out to the second client;
// - /healthz latency (polled every 50 ms) and failures;
// - the server's event-loop delay, from its own monitor (prom-client's `nodejs_eventloop_lag_max_seconds`,
//   the maximum since the previous scrape; scraped every second, so the maximum of the scrapes
//   is the window's);
// - the server's CPU seconds (from /proc: wall-clock figures on a shared machine include the
//   scheduler's delays, CPU time is the server's own).
//   node --experimental-strip-types bench/probes/collab-stall.ts [documents=4] [updates per document=limit/50 000] [rate limits on|off=on] [origins loose|chained=loose]
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_DOCUMENT_STRUCTS } from '../../src/config.ts';
import { amplifiedUpdate, sendAwaitingAck } from '../../test/collab/amplified-update.ts';
import { registerUser } from '../../test/helpers/auth.ts';
import { connectProvider, rawCollabClient, waitAcknowledged, waitSynced } from '../../test/helpers/collab.ts';
import { provisionDatabase } from '../../test/helpers/database.ts';
import { spawnServer, testEnvironment } from '../../test/helpers/server.ts';

const STRUCTS_PER_UPDATE = 50_000;
const DOCUMENTS = Number(process.argv[2] ?? 4);
// By default enough updates to fill each document to MAX_DOCUMENT_STRUCTS (STALL_SERVER_ENV's, or
// the default: 40 at 2 M), so the attack stays "each document at its limit" whatever the limit.
const serverEnvOverrides = JSON.parse(process.env.STALL_SERVER_ENV ?? '{}') as Record<string, string>;
const documentLimit = Number(serverEnvOverrides.MAX_DOCUMENT_STRUCTS ?? DEFAULT_MAX_DOCUMENT_STRUCTS);
const UPDATES_PER_DOCUMENT = Number(process.argv[3] ?? Math.ceil(documentLimit / STRUCTS_PER_UPDATE));
const RATE_LIMITS = process.argv[4] ?? 'on';
// `loose` (default): each update's first item names no origin, so Yjs scans the whole array for
// it and the server refuses the update once that scan passes MAX_INTEGRATION_STEPS
// (src/domain/documents/integration-cost.ts); `chained`: each update goes after the last item of
// the one before, as a client appending would, so nothing is scanned and every update up to
// MAX_DOCUMENT_STRUCTS is admitted.
const ORIGINS = process.argv[5] ?? 'loose';
const BASELINE_MS = 5000;
const EDIT_INTERVAL_MS = 100;
const CLOCK_TICKS_PER_SECOND = 100;

const cpuSeconds = (pid: number): number => {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
};
const rssMb = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
};
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number) => Math.round(value * 10) / 10;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** What one phase saw, filled in by the watchers below. */
interface Phase {
  acks: number[];
  fanOuts: number[];
  healthz: number[];
  healthzFailures: number;
  loopDelayMs: number;
  cpuStart: number;
  rssPeakMb: number;
}
const newPhase = (pid: number): Phase => ({
  acks: [],
  fanOuts: [],
  healthz: [],
  healthzFailures: 0,
  loopDelayMs: 0,
  cpuStart: cpuSeconds(pid),
  rssPeakMb: rssMb(pid),
});

const database = await provisionDatabase();
// STALL_SERVER_ENV (JSON) adds variables to the server's environment, e.g. a MAX_LIVE_STRUCTS to
// compare, or NODE_OPTIONS with --trace-gc to see which pauses are collections.
const extraServerEnv = serverEnvOverrides;
const running = await spawnServer(
  testEnvironment(database, { RATE_LIMITS: RATE_LIMITS === 'off' ? 'off' : 'on', ...extraServerEnv }),
);
const pid = running.child.pid as number;
let stopped = false;
let phase = newPhase(pid);

/** The server's own maximum event-loop delay since the previous scrape, in ms. */
async function scrapeLoopDelay(): Promise<number> {
  const response = await fetch(`${running.url}/metrics`, { signal: AbortSignal.timeout(30_000) });
  const line = (await response.text())
    .split('\n')
    .find((entry) => entry.startsWith('nodejs_eventloop_lag_max_seconds'));
  return Number(line?.split(' ')[1] ?? 0) * 1000;
}

const watchers = [
  (async () => {
    while (!stopped) {
      const started = performance.now();
      try {
        const response = await fetch(`${running.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        if (response.status !== 200) phase.healthzFailures += 1;
      } catch {
        phase.healthzFailures += 1;
      }
      phase.healthz.push(performance.now() - started);
      if (running.child.exitCode === null) phase.rssPeakMb = Math.max(phase.rssPeakMb, rssMb(pid));
      await sleep(50);
    }
  })(),
  (async () => {
    while (!stopped) {
      const current = phase;
      current.loopDelayMs = Math.max(current.loopDelayMs, await scrapeLoopDelay().catch(() => 0));
      await sleep(1000);
    }
  })(),
];

try {
  const attacker = await registerUser(running.url);
  const normal = await registerUser(running.url);
  const writer = connectProvider(running.collabUrl, 'stall-normal-doc', normal.accessToken, { awareness: false });
  const reader = connectProvider(running.collabUrl, 'stall-normal-doc', normal.accessToken, { awareness: false });
  await waitSynced(writer, 30_000);
  await waitSynced(reader, 30_000);
  const pendingFanOut = new Map<string, number>();
  reader.doc.getText('text').observe(() => {
    const text = reader.doc.getText('text').toString();
    for (const [marker, sentAt] of pendingFanOut) {
      if (!text.includes(marker)) continue;
      phase.fanOuts.push(performance.now() - sentAt);
      pendingFanOut.delete(marker);
    }
  });

  // The baseline starts here, not with the process: its start and the sign-ups are not what is measured.
  await scrapeLoopDelay().catch(() => 0);
  phase = newPhase(pid);

  // The normal user: one edit every 100 ms, each awaited (its delay is the stall it saw).
  let edits = 0;
  const editing = (async () => {
    while (!stopped) {
      edits += 1;
      const marker = `[${edits}]`;
      const text = writer.doc.getText('text');
      const sentAt = performance.now();
      pendingFanOut.set(marker, sentAt);
      text.insert(text.length, marker);
      const current = phase;
      await waitAcknowledged(writer, 60_000);
      current.acks.push(performance.now() - sentAt);
      await sleep(EDIT_INTERVAL_MS);
    }
  })();

  await sleep(BASELINE_MS);
  await scrapeLoopDelay().catch(() => 0);
  const baseline = phase;
  const baselineCpu = cpuSeconds(pid) - baseline.cpuStart;
  phase = newPhase(pid);

  // The attacker: every document at once, each next update once the previous one is acknowledged.
  const closes: Record<string, number> = {};
  let admitted = 0;
  const attackStarted = performance.now();
  await Promise.all(
    Array.from({ length: DOCUMENTS }, async (_, d) => {
      const name = `stall-heavy-${d}`;
      const client = await rawCollabClient(running.collabUrl);
      if ((await client.authenticate(name, attacker.accessToken).catch(() => 'closed')) !== 'authenticated') {
        const close = await client.closed;
        closes[`${close.code} ${close.reason}`] = (closes[`${close.code} ${close.reason}`] ?? 0) + 1;
        return;
      }
      for (let u = 0; u < UPDATES_PER_DOCUMENT && client.isOpen(); u += 1) {
        const after =
          ORIGINS === 'chained' && u > 0
            ? { client: 1000 + d * 100 + u - 1, clock: STRUCTS_PER_UPDATE - 1 }
            : undefined;
        if (await sendAwaitingAck(client, name, amplifiedUpdate(STRUCTS_PER_UPDATE, 1000 + d * 100 + u, after)))
          admitted += STRUCTS_PER_UPDATE;
      }
      if (!client.isOpen()) {
        const close = await client.closed;
        closes[`${close.code} ${close.reason}`] = (closes[`${close.code} ${close.reason}`] ?? 0) + 1;
      }
      // Kept open: the document stays in memory while the others fill.
    }),
  );
  const attackSeconds = (performance.now() - attackStarted) / 1000;
  // A little longer, for what the last updates left behind (their compactions).
  await sleep(2000);
  await scrapeLoopDelay()
    .then((ms) => {
      phase.loopDelayMs = Math.max(phase.loopDelayMs, ms);
    })
    .catch(() => {});
  const attack = phase;
  const attackCpu = cpuSeconds(pid) - attack.cpuStart;
  stopped = true;
  await editing;
  await Promise.all(watchers);
  writer.destroy();
  reader.destroy();

  const summary = (p: Phase, cpu: number) => ({
    edits: p.acks.length,
    ack_ms_p50: round(percentile(p.acks, 50)),
    ack_ms_max: round(Math.max(0, ...p.acks)),
    fan_out_ms_p50: round(percentile(p.fanOuts, 50)),
    fan_out_ms_max: round(Math.max(0, ...p.fanOuts)),
    healthz_ms_p50: round(percentile(p.healthz, 50)),
    healthz_ms_max: round(Math.max(0, ...p.healthz)),
    healthz_failures: p.healthzFailures,
    event_loop_delay_ms_max: round(p.loopDelayMs),
    server_cpu_s: round(cpu),
    peak_rss_mb: p.rssPeakMb,
  });
  console.log(
    JSON.stringify(
      {
        engine: database.databaseUrl ? 'postgres' : 'pglite',
        rate_limits: RATE_LIMITS,
        origins: ORIGINS,
        documents: DOCUMENTS,
        updates_per_document: UPDATES_PER_DOCUMENT,
        structs_admitted: admitted,
        attack_closes: closes,
        attack_seconds: round(attackSeconds),
        baseline: summary(baseline, baselineCpu),
        during_attack: summary(attack, attackCpu),
        exit_code: running.child.exitCode,
        load_average_at_end: loadAverage(),
      },
      null,
      2,
    ),
  );
  // Garbage collection, from the server's own metrics: a pause of a heap this size is a stall too.
  const metricsText = await (await fetch(`${running.url}/metrics`)).text();
  console.log(
    metricsText
      .split('\n')
      .filter((line) => line.startsWith('nodejs_gc_duration_seconds'))
      .join('\n'),
  );
} finally {
  stopped = true;
  // SIGTERM first: the server drains and exits, so a --cpu-prof in NODE_OPTIONS gets written.
  running.child.kill('SIGTERM');
  await Promise.race([running.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  running.child.kill('SIGKILL');
  await database.drop();
}
process.exit(0);
