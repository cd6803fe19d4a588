import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as Y from 'yjs';
import { buildBlockSuiteDocument, readBlockSuiteDocument } from '../src/domain/blocksuite/index.ts';

export type ExtractionBenchSize = {
  blocks: number;
  runs: number;
  medianMs: number;
  /** The same runs of the yjs floor: `toString()` of every block's text, nothing else. */
  floorMedianMs: number;
  wikiLabels: number;
};

export type ExtractionBenchResult = {
  sizes: ExtractionBenchSize[];
  /** Time ratio of 10k to 1k blocks; linear extraction stays near 10 (the budget is 12). */
  ratio10kTo1k: number;
  ratio100kTo10k: number;
  /**
   * The floor's ratios show how much of the reader's ratios the machine's memory hierarchy
   * accounts for: a decoded block takes ~4.7 KB of heap, so 1k blocks fit in the CPU caches and
   * 10k do not.
   */
  floorRatio10kTo1k: number;
  floorRatio100kTo10k: number;
};

/** Runs per size in each round: small documents get more runs, being quicker and noisier. */
const SIZES = [
  { blocks: 1_000, runsPerRound: 9 },
  { blocks: 10_000, runsPerRound: 3 },
  { blocks: 100_000, runsPerRound: 1 },
];
const ROUNDS = 9;
const WARMUP_RUNS = 3;
/** Twice the last-level cache of the machines this runs on (32 MiB). */
const EVICTION_BYTES = 64 * 1024 * 1024;

/** Paragraphs of ordinary prose; one in a hundred carries a `[[wiki link]]`, one in ten some bold. */
function generateDocument(blocks: number): Y.Doc {
  const paragraphs = Array.from({ length: blocks }, (_, i) =>
    i % 100 === 0
      ? `Paragraph ${i} mentions [[Topic ${i / 100}]] among other words.`
      : `Paragraph ${i}: lorem ipsum dolor sit amet, consectetur adipiscing elit.`,
  );
  const built = buildBlockSuiteDocument(`Bench ${blocks}`, paragraphs);
  let n = 0;
  built.transact(() => {
    for (const block of built.getMap<Y.Map<unknown>>('blocks').values()) {
      const text = block.get('prop:text');
      if (text instanceof Y.Text && text.length > 20 && n++ % 10 === 0) text.format(5, 8, { bold: true });
    }
  });
  // Decode into a fresh doc, as the server holds a document it loaded from an update.
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(built));
  return doc;
}

/** Clears what generating the documents left behind, so that no run pays for collecting it. */
function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') gc();
  } catch {
    // Without a collector to call, the first runs may pay for some collection; medians absorb it.
  }
}

/**
 * Every run starts with the CPU caches holding something else, as they do when the server reads
 * a document on store. Otherwise the 1k document (~5 MB decoded) would be read from cache and the
 * larger ones from memory, and the ratios would measure the cache size instead of the reader.
 */
function evictCaches(buffer: Float64Array): void {
  for (let i = 0; i < buffer.length; i += 8) buffer[i] = (buffer[i] ?? 0) + 1;
}

/** The least any reader must do: visit every block and read its text through the public API. */
function readTextsOnly(doc: Y.Doc): number {
  let length = 0;
  for (const block of doc.getMap<Y.Map<unknown>>('blocks').values()) {
    const text = block.get('prop:text');
    if (text instanceof Y.Text) length += text.toString().length;
  }
  return length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Sizes are measured round-robin rather than one after the other, so that a load spike on a
 * shared machine hits every size alike instead of skewing one side of a ratio.
 */
export async function runExtractionBench(): Promise<ExtractionBenchResult> {
  const docs = SIZES.map(({ blocks }) => generateDocument(blocks));
  const wikiLabels = docs.map((doc) => readBlockSuiteDocument(doc).wikiLabels.length);
  for (const doc of docs) for (let i = 0; i < WARMUP_RUNS; i++) readBlockSuiteDocument(doc);
  collectGarbage();

  const evictionBuffer = new Float64Array(EVICTION_BYTES / Float64Array.BYTES_PER_ELEMENT);
  const times: number[][] = SIZES.map(() => []);
  const floorTimes: number[][] = SIZES.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, { runsPerRound }] of SIZES.entries()) {
      const doc = docs[i] as Y.Doc;
      for (let run = 0; run < runsPerRound; run++) {
        evictCaches(evictionBuffer);
        let start = performance.now();
        readBlockSuiteDocument(doc);
        times[i]?.push(performance.now() - start);
        evictCaches(evictionBuffer);
        start = performance.now();
        readTextsOnly(doc);
        floorTimes[i]?.push(performance.now() - start);
      }
      // Yield so that a caller's timers and I/O are not starved for the whole bench.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  for (const doc of docs) doc.destroy();

  const sizes = SIZES.map(({ blocks }, i) => ({
    blocks,
    runs: times[i]?.length ?? 0,
    medianMs: median(times[i] ?? []),
    floorMedianMs: median(floorTimes[i] ?? []),
    wikiLabels: wikiLabels[i] ?? 0,
  }));
  const ms = (blocks: number) => sizes.find((size) => size.blocks === blocks)?.medianMs ?? Number.NaN;
  const floorMs = (blocks: number) => sizes.find((size) => size.blocks === blocks)?.floorMedianMs ?? Number.NaN;
  return {
    sizes,
    ratio10kTo1k: ms(10_000) / ms(1_000),
    ratio100kTo10k: ms(100_000) / ms(10_000),
    floorRatio10kTo1k: floorMs(10_000) / floorMs(1_000),
    floorRatio100kTo10k: floorMs(100_000) / floorMs(10_000),
  };
}

function printResult(result: ExtractionBenchResult): void {
  console.log('readBlockSuiteDocument, median of cold-cache runs (floor: Y.Text#toString of every block)');
  console.table(
    result.sizes.map((size) => ({
      blocks: size.blocks,
      runs: size.runs,
      'median ms': Number(size.medianMs.toFixed(2)),
      'µs/block': Number(((size.medianMs * 1000) / size.blocks).toFixed(3)),
      'wiki labels': size.wikiLabels,
      'floor ms': Number(size.floorMedianMs.toFixed(2)),
    })),
  );
  const ratio = (value: number) => Number(value.toFixed(2));
  console.table({
    '10k / 1k': { ratio: ratio(result.ratio10kTo1k), budget: 12, 'floor ratio': ratio(result.floorRatio10kTo1k) },
    '100k / 10k': { ratio: ratio(result.ratio100kTo10k), budget: 12, 'floor ratio': ratio(result.floorRatio100kTo10k) },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printResult(await runExtractionBench());
}
