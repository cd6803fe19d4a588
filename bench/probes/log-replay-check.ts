// What bounding a load's log replay (applyStoredState, src/domain/documents/document-state.ts:
// the merged log's integration cost checked before it is applied) costs a load, against the
// replay without the check, in one process, alternating. Two shapes: a 10 MB stored state with a
// log of 500 typed edits (spread over the document, several typists), and a document never
// compacted (a 1 MB paste as one entry, then the same edits).
// Run: npm exec -- node --experimental-strip-types --no-warnings bench/probes/log-replay-check.ts
import * as Y from 'yjs';
import { applyStoredState } from '../../src/domain/documents/document-state.ts';
import type { StoredDocumentState } from '../../src/domain/documents/update-log.ts';
import { applyUpdatesTolerantly } from '../../src/domain/documents/yjs-bytes.ts';
import { documentOfSize } from '../collab.ts';

const ROUNDS = Number(process.env.PROBE_ROUNDS ?? 7);
const EDITS = Number(process.env.PROBE_EDITS ?? 500);

/** The replay before the check (main at 3e9f73f), for comparison. */
function unchecked(doc: Y.Doc, state: StoredDocumentState) {
  let skipped = state.stored ? applyUpdatesTolerantly(doc, [state.stored]) : 0;
  const log = state.log.map((entry) => entry.update);
  if (log.length > 1) {
    try {
      Y.applyUpdate(doc, Y.mergeUpdates(log));
      return { skipped };
    } catch {}
  }
  skipped += applyUpdatesTolerantly(doc, log);
  return { skipped };
}

/** `EDITS` edits typed by three clients at spread-out places, one log entry each. */
function typedEdits(base: Uint8Array): Uint8Array[] {
  const typists = [1, 2, 3].map((n) => {
    const doc = new Y.Doc();
    doc.clientID = 7_000_000 + n;
    Y.applyUpdate(doc, base);
    return doc;
  });
  const entries: Uint8Array[] = [];
  for (let i = 0; i < EDITS; i += 1) {
    const typist = typists[i % 3] as Y.Doc;
    const before = Y.encodeStateVector(typist);
    const paragraphs = typist.getArray<Y.Text>('paragraphs');
    const text = paragraphs.get((i * 7919) % paragraphs.length);
    text.insert((i * 31) % text.length, 'x');
    const update = Y.encodeStateAsUpdate(typist, before);
    entries.push(update);
    // The others see it, as they would through the server.
    for (const other of typists) if (other !== typist) Y.applyUpdate(other, update);
  }
  return entries;
}

const cpuMs = (run: () => unknown) => {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function compare(label: string, state: StoredDocumentState) {
  const before: number[] = [];
  const after: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    before.push(cpuMs(() => unchecked(new Y.Doc(), state)));
    after.push(cpuMs(() => applyStoredState(new Y.Doc(), state)));
  }
  const [b, a] = [median(before), median(after)];
  console.log(
    `${label.padEnd(44)} unchecked ${b.toFixed(1)} ms  checked ${a.toFixed(1)} ms  ratio ${(a / b).toFixed(2)}`,
  );
}

const stored = Y.encodeStateAsUpdate(documentOfSize(10 * 1024 * 1024));
const log = typedEdits(stored).map((update, index) => ({ id: index + 1, update }));
compare(`10 MB stored + ${EDITS} typed entries`, { stored, log });
const paste = Y.encodeStateAsUpdate(documentOfSize(1024 * 1024));
const pasteLog = [paste, ...typedEdits(paste)].map((update, index) => ({ id: index + 1, update }));
compare(`no stored state: 1 MB paste + ${EDITS} typed`, { stored: null, log: pasteLog });
compare('10 MB stored, empty log', { stored, log: [] });
