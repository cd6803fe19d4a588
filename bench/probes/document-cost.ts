// What a BlockSuite note costs against MAX_DOCUMENT_STRUCTS (docs/security.md, "Limits"): builds a
// page of N paragraph blocks as the import and bench/large-docs.ts do (buildBlockSuiteDocument),
// and prints its cost (update-cost.ts), encoded size, and the CPU time of one whole-document
// encode and count: what a per-edit recount used to cost.
//   node --experimental-strip-types bench/probes/document-cost.ts [blocks=10000,100000]
import * as Y from 'yjs';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { countUpdateCost } from '../../src/domain/documents/update-cost.ts';
import { paragraphsWithLinks } from '../store-derivatives.ts';

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
};

for (const blocks of (process.argv[2] ?? '10000,100000').split(',').map(Number)) {
  const doc = buildBlockSuiteDocument(`Large ${blocks}`, paragraphsWithLinks(blocks).lines);
  let started = process.cpuUsage();
  const state = Y.encodeStateAsUpdate(doc);
  const encodeCpuMs = cpuMs(started);
  started = process.cpuUsage();
  const cost = countUpdateCost(state);
  const countCpuMs = cpuMs(started);
  console.log(
    JSON.stringify({ blocks, structs: cost, state_mb: Math.round(state.length / 1e5) / 10, encodeCpuMs, countCpuMs }),
  );
  doc.destroy();
}
