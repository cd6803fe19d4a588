// What the integration bound (src/domain/documents/integration-cost.ts) answers for a note's whole
// state walked against an empty document, as the archive import walks each document before storing
// it (docs/security.md, "Integration cost"), beside what Yjs takes to integrate it. In-process, no
// server. The check's count is an upper bound of Yjs's scan; an item whose origins are neighbours
// (one client's own edits, in its order) counts nothing, as Yjs scans nothing for it.
//   node --experimental-strip-types bench/probes/whole-state-walk.ts [runs=3]
import * as Y from 'yjs';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { IntegrationTooCostly, integrationSteps } from '../../src/domain/documents/integration-cost.ts';
import { amplifiedUpdate, heldBackUpdate, longArrayUpdates } from '../../test/collab/amplified-update.ts';

const runs = Number(process.argv[2] ?? 3);

/** A seeded random number generator, so every run builds the same documents. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function state(build: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc();
  build(doc);
  return Y.encodeStateAsUpdate(doc);
}

const prepended = (count: number) =>
  state((doc) => {
    for (let index = 0; index < count; index += 1) doc.getArray('a').insert(0, [index]);
  });
const randomInserts = (count: number) =>
  state((doc) => {
    const next = random(count);
    const text = doc.getText('t');
    for (let index = 0; index < count; index += 1) text.insert(Math.floor(next() * (text.length + 1)), 'xy');
  });
const typedRuns = (count: number) =>
  state((doc) => {
    const next = random(count);
    const text = doc.getText('t');
    for (let index = 0; index < count; index += 1) {
      let at = Math.floor(next() * (text.length + 1));
      for (let typed = 0; typed < 20; typed += 1) text.insert(at++, 'x');
    }
  });
const chain = amplifiedUpdate(150_000, 1000);

const cases: Array<[string, Uint8Array]> = [
  ['300 items prepended to one list', prepended(300)],
  ['450 items prepended to one list', prepended(450)],
  ['1000 items prepended to one list', prepended(1000)],
  ['5000 two-character inserts at random places', randomInserts(5000)],
  ['20000 two-character inserts at random places', randomInserts(20_000)],
  ['2000 runs of 20 characters typed at random places', typedRuns(2000)],
  [
    '3000-block BlockSuite page',
    Y.encodeStateAsUpdate(
      buildBlockSuiteDocument(
        'Page',
        Array.from({ length: 3000 }, (_, index) => `Paragraph ${index} of the page`),
      ),
    ),
  ],
  ['150000 items chained by one client', chain],
  ['150000 items, three clients each starting with no origin', Y.mergeUpdates(longArrayUpdates())],
  [
    '150000 chained items and the pair (20 items, no left origin, released after the last)',
    Y.mergeUpdates([
      chain,
      heldBackUpdate(20, 8_000_000),
      amplifiedUpdate(1, 8_000_000, { client: 1000, clock: 149_999 }),
    ]),
  ],
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

console.log('case\tbytes\tcheck answer\tcheck ms (median)\tYjs apply ms (median)');
for (const [name, update] of cases) {
  const checks: number[] = [];
  const applies: number[] = [];
  let answer = '';
  for (let run = 0; run < runs; run += 1) {
    let started = performance.now();
    try {
      answer = `${integrationSteps(new Y.Doc(), update)} steps`;
    } catch (error) {
      if (!(error instanceof IntegrationTooCostly)) throw error;
      answer = `refused (${error.limit})`;
    }
    checks.push(performance.now() - started);
    started = performance.now();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, update);
    applies.push(performance.now() - started);
    doc.destroy();
  }
  console.log(`${name}\t${update.length}\t${answer}\t${median(checks).toFixed(1)}\t${median(applies).toFixed(1)}`);
}
