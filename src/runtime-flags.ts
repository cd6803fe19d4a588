// The Node/V8 flags the server runs with. They must be on the command line (or NODE_OPTIONS):
// V8 sizes its heap when the process starts, and `v8.setFlagsFromString` does not resize it later.
// Used by `npm start` (package.json), the Dockerfile's CMD, the test helper that spawns the server
// and the benchmarks; test/server/runtime-flags.test.ts keeps the first two in step with this list.
//
// --max-semi-space-size=16 (MiB): V8 lets the young generation grow to 64 MiB semi-spaces (128 MiB
// of new space) on a machine with this much memory, and grows it when many objects survive a
// scavenge. Connecting 1,000 clients and loading 100 documents does exactly that, and the young
// generation then stays at its largest: in the collab benchmark's P2 profile (1,000 mostly idle
// clients) the heap had 215 MB committed for 111 MB used, and peak RSS was 1.72× plain Hocuspocus.
// At 16 MiB: 140 MB committed, peak RSS 1.39×, and no more CPU per delivery within the run-to-run
// noise (docs/benchmarks.md, "Hot path, third round"). Scavenges run more often but each costs in
// proportion to what survives, which does not change.
//
// --external-memory-accounted-in-global-limit: V8 otherwise starts a full collection whenever the
// memory held outside its heap (Buffers, ArrayBuffers) has grown 64 MiB since the last one,
// however far the heap is from its own limit. A store of a large document makes that much in
// short-lived buffers (the 20 MB snapshot parameter, copied twice by postgres.js; a version's 31 MB
// state), so with a 100k-block document loaded (~540 MB of heap to mark) every store set off a
// full collection: marking steps of 20–240 ms and final pauses of 65–110 ms on the event loop,
// in 5 of 6 stores (docs/benchmarks.md, "Large documents"). With the flag that memory counts
// toward the heap's global limit like any other garbage, and none of those stores collected.
export const SERVER_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=16',
  '--external-memory-accounted-in-global-limit',
];
