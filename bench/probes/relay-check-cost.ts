// What checking a relayed update's integration cost (redis-relay.ts, `admit`) adds per relayed
// edit: CPU of `integrationSteps` on each of a typist's one-character edits against the receiving
// copy, beside the CPU of applying it (what a relay did before), alternating per edit.
// Run: npm exec -- node --experimental-strip-types --no-warnings bench/probes/relay-check-cost.ts [KB] [edits]
import * as Y from 'yjs';
import { integrationSteps } from '../../src/domain/documents/integration-cost.ts';
import { documentOfSize } from '../collab.ts';

const KB = Number(process.argv[2] ?? 100);
const EDITS = Number(process.argv[3] ?? 5000);

const base = Y.encodeStateAsUpdate(documentOfSize(KB * 1024));
const typist = new Y.Doc();
Y.applyUpdate(typist, base);
const receiver = new Y.Doc();
Y.applyUpdate(receiver, base);
const edits: Uint8Array[] = [];
typist.on('update', (update: Uint8Array) => edits.push(update));
const paragraphs = typist.getArray<Y.Text>('paragraphs');
for (let i = 0; i < EDITS; i += 1) {
  // Typing runs: 20 characters at one place, then elsewhere.
  const text = paragraphs.get(Math.floor(i / 20) % paragraphs.length);
  text.insert(Math.min(text.length, 5 + (i % 20)), 'x');
}

const micros = () => {
  const used = process.cpuUsage();
  return used.user + used.system;
};
let check = 0;
let apply = 0;
for (const edit of edits) {
  const t0 = micros();
  integrationSteps(receiver, edit);
  const t1 = micros();
  Y.applyUpdate(receiver, edit);
  const t2 = micros();
  check += t1 - t0;
  apply += t2 - t1;
}
console.log(
  `${KB} KB document, ${edits.length} relayed one-character edits: check ${(check / edits.length).toFixed(1)} µs, ` +
    `apply ${(apply / edits.length).toFixed(1)} µs per edit (check/apply ${(check / apply).toFixed(2)})`,
);
