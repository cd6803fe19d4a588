// What the integration bound costs HTTP document sync for a note that is not live
// (docs/security.md, "Integration cost"): the note's state is decoded within the memory budget
// (withDecodedState) and the update's placement walked against it, for every sync carrying an
// update. In-process, no server or database: the decode and the walk are the added work.
//   node --experimental-strip-types bench/probes/http-sync-integration.ts [document items=150000] [runs=5]
import * as Y from 'yjs';
import { withDecodedState } from '../../src/domain/documents/decode-budget.ts';
import { IntegrationTooCostly, integrationSteps } from '../../src/domain/documents/integration-cost.ts';
import { amplifiedUpdate, noOriginUpdate } from '../../test/collab/amplified-update.ts';

const ITEMS = Number(process.argv[2] ?? 150_000);
const RUNS = Number(process.argv[3] ?? 5);

const source = new Y.Doc();
for (let done = 0, client = 1000; done < ITEMS; done += 50_000, client += 1)
  Y.applyUpdate(source, amplifiedUpdate(Math.min(50_000, ITEMS - done), client));
const state = Y.encodeStateAsUpdate(source);
const last = source.getArray('a')._start
  ? (() => {
      let item = source.getArray('a')._start;
      while (item?.right) item = item.right;
      return item?.id;
    })()
  : undefined;
// A real client's edit: one item after the last (walks nothing), and the crafted 20-item update.
const ordinary = amplifiedUpdate(1, 5000, last ? { client: last.client, clock: last.clock } : undefined);
const crafted = noOriginUpdate(20);

const cpuMs = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};

async function measure(update: Uint8Array): Promise<{ cpu: number; refused: boolean }> {
  const started = process.cpuUsage();
  let refused = false;
  await withDecodedState(state, (doc) => {
    try {
      integrationSteps(doc, update);
    } catch (error) {
      if (!(error instanceof IntegrationTooCostly)) throw error;
      refused = true;
    }
  });
  return { cpu: cpuMs(started), refused };
}

console.log(`document: ${ITEMS} items, state ${state.length} bytes`);
for (let run = 0; run < RUNS; run += 1) {
  const normal = await measure(ordinary);
  const hostile = await measure(crafted);
  console.log(
    `run ${run}: ordinary check ${normal.cpu.toFixed(0)} ms CPU (refused: ${normal.refused}); ` +
      `crafted check ${hostile.cpu.toFixed(0)} ms CPU (refused: ${hostile.refused})`,
  );
}
// What the crafted update costs where nothing checks it (a compaction or load of the logged entry).
const unguarded = new Y.Doc();
Y.applyUpdate(unguarded, state);
const started = process.cpuUsage();
Y.applyUpdate(unguarded, crafted);
console.log(`crafted update applied unchecked: ${cpuMs(started).toFixed(0)} ms CPU`);
