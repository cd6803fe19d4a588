// What a repeated HTTP document sync of a large note that is not live costs in CPU
// (docs/benchmarks.md, "stall"): before, every request decoded the note's merged state to walk the
// update against it (withDecodedState); now a kept copy (decoded-copies.ts) is brought up to date
// with the one log entry the previous request added. Both alternate in one process, per round;
// the merge of stored state and log, which both read for the answer, is not counted:
//   node --experimental-strip-types bench/probes/http-sync-decoded-copy.ts [document items=150000] [rounds=10]
import * as Y from 'yjs';
import { withDecodedState } from '../../src/domain/documents/decode-budget.ts';
import { createDecodedCopies } from '../../src/domain/documents/decoded-copies.ts';
import { mergeStoredState } from '../../src/domain/documents/document-state.ts';
import { admitIntegration } from '../../src/domain/documents/integration-cost.ts';
import { createLiveCostLedger } from '../../src/domain/documents/update-cost.ts';
import type { StoredDocumentState } from '../../src/domain/documents/update-log.ts';
import { amplifiedUpdate } from '../../test/collab/amplified-update.ts';

const ITEMS = Number(process.argv[2] ?? 150_000);
const ROUNDS = Number(process.argv[3] ?? 10);

const parts: Uint8Array[] = [];
for (let done = 0, client = 1000; done < ITEMS; done += 50_000, client += 1)
  parts.push(amplifiedUpdate(Math.min(50_000, ITEMS - done), client));
const lastClient = 1000 + parts.length - 1;
const lastClock = (ITEMS - 1) % 50_000;
const state: StoredDocumentState = { stored: Y.mergeUpdates(parts), log: [], version: '1' };
const copies = createDecodedCopies(createLiveCostLedger(Number.POSITIVE_INFINITY));

const cpuMs = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};
/** Round n's update: one item after the previous round's (what a client appending sends). */
const appendAt = (n: number) =>
  amplifiedUpdate(1, 5000 + n, n === 0 ? { client: lastClient, clock: lastClock } : { client: 5000 + n - 1, clock: 0 });

console.log(`document: ${ITEMS} items, stored state ${state.stored?.length} bytes`);
// The first request decodes in both designs.
copies.use('note', state, (doc) => admitIntegration(doc, appendAt(0)));
state.log.push({ id: 1, update: appendAt(0) });
const before: number[] = [];
const after: number[] = [];
for (let round = 1; round <= ROUNDS; round += 1) {
  const update = appendAt(round);
  // The merged state is what the request reads anyway (for its answer): not counted.
  const merged = mergeStoredState(state);
  let started = process.cpuUsage();
  await withDecodedState(merged, (doc) => admitIntegration(doc, update));
  before.push(cpuMs(started));
  started = process.cpuUsage();
  copies.use('note', state, (doc) => admitIntegration(doc, update));
  after.push(cpuMs(started));
  // The request logs its update: the next one finds it in the log.
  state.log.push({ id: round + 1, update });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
console.log(`per request, CPU ms: decode afresh ${before.map((v) => v.toFixed(1)).join(' ')}`);
console.log(`per request, CPU ms: kept copy    ${after.map((v) => v.toFixed(1)).join(' ')}`);
console.log(
  `median: decode afresh ${median(before).toFixed(1)} ms, kept copy ${median(after).toFixed(2)} ms, decodes ${copies.decodes}`,
);
copies.close();
