// `npm run bench`: every benchmark in turn (the lead adds the others here). Durations and sizes
// come from the environment, e.g. BENCH_SECONDS=60 BENCH_CLIENTS=200 npm run bench.
import { collabBenchOptionsFromEnv, runCollabBench } from './collab.ts';

const only = process.env.BENCH_ONLY;
if (!only || only === 'collab') await runCollabBench(collabBenchOptionsFromEnv());
