// `npm run bench`: every benchmark in turn (the lead adds the others here). Durations and sizes
// come from the environment, e.g. BENCH_SECONDS=60 BENCH_CLIENTS=200 npm run bench.
import { collabBenchOptionsFromEnv, runCollabBench } from './collab.ts';
import { runScaleBench, scaleBenchOptionsFromEnv } from './scale.ts';
import { printStoreDerivatives, runStoreDerivativesBench } from './store-derivatives.ts';
import { runExtractionBench } from './extraction.ts';
import { printRestBench, restBenchOptionsFromEnv, runRestBench } from './rest.ts';
import { runSyncBench, syncBenchOptionsFromEnv } from './sync.ts';
import { printHistoryBench, runHistoryBench } from './history.ts';
import { printBlobBench, runBlobBench } from './blobs.ts';
import { printSearchBench, runSearchBench, searchBenchOptionsFromEnv } from './search.ts';
import { printLargeDocsBench, runLargeDocsBench } from './large-docs.ts';

const only = process.env.BENCH_ONLY;
if (!only || only === 'collab') await runCollabBench(collabBenchOptionsFromEnv());
if (!only || only === 'scale') await runScaleBench(scaleBenchOptionsFromEnv());
if (!only || only === 'extraction') {
  console.log('\n== BlockSuite extraction alone (median ms)');
  console.table((await runExtractionBench()).sizes);
  printStoreDerivatives(await runStoreDerivativesBench(), process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite');
}
if (!only || only === 'rest') printRestBench(await runRestBench(restBenchOptionsFromEnv()));
if (!only || only === 'sync') await runSyncBench(syncBenchOptionsFromEnv());
if (!only || only === 'history') {
  const engine = process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite';
  printHistoryBench(await runHistoryBench(), engine);
}
if (!only || only === 'blobs') printBlobBench(await runBlobBench());
if (!only || only === 'search') printSearchBench(await runSearchBench(searchBenchOptionsFromEnv()));
if (!only || only === 'large-docs')
  printLargeDocsBench(await runLargeDocsBench(), process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite');
