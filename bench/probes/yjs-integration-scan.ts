// How long Yjs takes to integrate an update, against the size of the document it goes into
// (docs/security.md, "Known gaps"; docs/benchmarks.md, "stall"). In-process, Yjs only, no server:
// Hocuspocus applies a client's update with the same Y.applyUpdate.
//
// Yjs places an item by scanning, from its left origin, the items up to its right origin that
// were inserted concurrently (YATA's conflict resolution, Item.integrate). An item whose origins
// are far apart in the document (both null: "somewhere in this array") scans everything between
// them, one step per item, with two Sets and two store lookups per step. So:
// - the stall probe's update (50 000 empty maps chained one after another, the first with no
//   origin, each update from a new client) scans the whole array once: its cost grows with the
//   document (rows "amplified");
// - an update whose every item has no origin scans the array once per item: its cost is its item
//   count times the document's (rows "no origin"), however small the update. `server_check` is
//   what the server's bound on that walk (src/domain/documents/integration-cost.ts) answers first.
// - `crafted`: updates whose items Yjs places against origins it finds only while it applies (a
//   right origin the same update appends, items it held back and a later update releases, a list
//   the update fills itself): what the server's check answers, and what Yjs takes unchecked (on a
//   copy of the document).
//   node --experimental-strip-types bench/probes/yjs-integration-scan.ts [document items=200000] [no-origin items=100]
import * as Y from 'yjs';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { paragraphsWithLinks } from '../store-derivatives.ts';
import { IntegrationTooCostly, integrationSteps } from '../../src/domain/documents/integration-cost.ts';
import { countUpdateCost } from '../../src/domain/documents/update-cost.ts';
import {
  amplifiedUpdate,
  heldBackUpdate,
  noOriginUpdate,
  rightOriginInUpdate,
  selfFilledUpdate,
} from '../../test/collab/amplified-update.ts';

const DOCUMENT_ITEMS = Number(process.argv[2] ?? 200_000);
const NO_ORIGIN_ITEMS = Number(process.argv[3] ?? 100);
const CHUNK = 50_000;
const timed = (run: () => void): number => {
  const started = performance.now();
  run();
  return Math.round(performance.now() - started);
};

const doc = new Y.Doc();
const amplified: Array<{ items_before: number; check_ms: number; apply_ms: number }> = [];
let last = { client: 0, clock: 0 };
for (let before = 0, client = 1000; before < DOCUMENT_ITEMS; before += CHUNK, client += 1) {
  const update = amplifiedUpdate(Math.min(CHUNK, DOCUMENT_ITEMS - before), client);
  amplified.push({
    items_before: before,
    check_ms: timed(() => integrationSteps(doc, update, Number.POSITIVE_INFINITY)),
    apply_ms: timed(() => Y.applyUpdate(doc, update)),
  });
  last = { client, clock: Math.min(CHUNK, DOCUMENT_ITEMS - before) - 1 };
}

/** The check's verdict and time on `doc`, then Yjs's time unchecked on a copy (`prepare` first). */
function crafted(name: string, update: Uint8Array, prepare?: Uint8Array) {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  if (prepare) Y.applyUpdate(copy, prepare);
  let limit: string | null = null;
  const checkMs = timed(() => {
    try {
      integrationSteps(copy, update);
    } catch (error) {
      if (!(error instanceof IntegrationTooCostly)) throw error;
      limit = error.limit;
    }
  });
  return {
    name,
    bytes: update.length,
    refused: limit,
    check_ms: checkMs,
    apply_ms: timed(() => Y.applyUpdate(copy, update)),
  };
}
// What the check costs on ordinary shapes: a one-item append (a keystroke's shape, microseconds
// per check over 10 000 runs) and a 3 000-block BlockSuite page into an empty document (a paste
// or an import over a socket: one record per struct, many types), five runs each.
let end = doc.getArray('a')._start;
while (end?.right) end = end.right;
const appendOne = amplifiedUpdate(1, 6_000_000, end ? { client: end.id.client, clock: end.id.clock } : undefined);
for (let run = 0; run < 1_000; run += 1) integrationSteps(doc, appendOne); // warm-up
const keystrokeStarted = performance.now();
for (let run = 0; run < 10_000; run += 1) integrationSteps(doc, appendOne);
const page = Y.encodeStateAsUpdate(buildBlockSuiteDocument('page', paragraphsWithLinks(3000).lines));
const pageMs = [0, 1, 2, 3, 4].map(() => timed(() => integrationSteps(new Y.Doc(), page)));
const checkCosts = {
  one_item_append_us: Math.round((performance.now() - keystrokeStarted) / 10),
  blocksuite_page_3000_blocks: { structs: countUpdateCost(page), check_ms: pageMs },
};
const craftedRows = [
  crafted('right origin appended by the same update (20 items)', rightOriginInUpdate(20, last)),
  crafted(
    'held back, released by one appended item (20 items)',
    amplifiedUpdate(1, 8_000_000, last),
    heldBackUpdate(20, 8_000_000),
  ),
  crafted('a list the update fills itself (2 × 2 000 items, empty list)', selfFilledUpdate(2000)),
];
// A higher client than every one before: each item scans every item already in `a`.
const noOrigin = noOriginUpdate(NO_ORIGIN_ITEMS, 1_000_000);
// What the server's check (integration-cost.ts) answers, and how fast, before Yjs is let at it.
let refused = false;
const checkMs = timed(() => {
  try {
    integrationSteps(doc, noOrigin);
  } catch (error) {
    if (!(error instanceof IntegrationTooCostly)) throw error;
    refused = true;
  }
});
const noOriginMs = timed(() => Y.applyUpdate(doc, noOrigin));
console.log(
  JSON.stringify(
    {
      amplified,
      no_origin: {
        items: NO_ORIGIN_ITEMS,
        bytes: noOrigin.length,
        items_before: DOCUMENT_ITEMS,
        apply_ms: noOriginMs,
        ms_per_item: Math.round((noOriginMs / NO_ORIGIN_ITEMS) * 10) / 10,
        server_check: { refused, ms: checkMs },
      },
      crafted: craftedRows,
      check_costs: checkCosts,
    },
    null,
    2,
  ),
);
