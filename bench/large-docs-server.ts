// The server process of the large-documents benchmark (bench/large-docs.ts): the real server,
// driven over IPC so that the parent can read what only this process sees: its event-loop delay
// during a store, its memory, and how long a store (compaction) takes.
//   seed   : writes a note with a BlockSuite page of N blocks (state + derived data), as if stored
//   memory : RSS and heap after a full garbage collection (run with --expose-gc), and the peak RSS
//            since the last `memory` (Linux: VmHWM, reset through clear_refs)
//   store  : compacts a note now; the store time and the longest event-loop delay meanwhile
//   stop   : drains and exits
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { loadConfig } from '../src/config.ts';
import { notes } from '../src/db/schema/index.ts';
import { buildBlockSuiteDocument } from '../src/domain/blocksuite/index.ts';
import { updateNoteFromDocument } from '../src/domain/notes/document-derivatives.ts';
import { createLogger } from '../src/logger.ts';
import { startServer } from '../src/server.ts';
import { paragraphsWithLinks } from './store-derivatives.ts';

export type LargeDocsRequest =
  | { type: 'seed'; documentName: string; blocks: number; userId: string; contactId: string }
  | { type: 'memory' }
  | { type: 'store'; documentName: string }
  | { type: 'stop' };

export type LargeDocsReply =
  | { type: 'ready'; port: number }
  | { type: 'seeded'; bytes: number }
  | { type: 'memory'; rssMb: number; heapUsedMb: number; peakRssMb: number }
  | { type: 'stored'; ms: number; loopMaxMs: number; turnCpuMaxMs: number; cpuMs: number; ok: boolean }
  | { type: 'error'; message: string };

const config = loadConfig();
const server = await startServer(config, createLogger(config.logLevel));
const db = server.services.database.db;
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
// The same question in CPU time of this thread: the most CPU spent between two 1 ms ticks, i.e.
// by one turn of the event loop. On a machine shared with other work the wall-clock delay also
// counts the time the OS gave other processes; this does not.
let lastTick = process.threadCpuUsage();
let turnCpuMaxMs = 0;
setInterval(() => {
  const now = process.threadCpuUsage();
  const ms = (now.user - lastTick.user + now.system - lastTick.system) / 1000;
  lastTick = now;
  turnCpuMaxMs = Math.max(turnCpuMaxMs, ms);
}, 1).unref();
const send = (reply: LargeDocsReply) => process.send?.(reply);
const collect = () => (globalThis as { gc?: () => void }).gc?.();

/** The most RSS since the last call (Linux; NaN elsewhere): VmHWM, then reset (`5` to clear_refs). */
function peakRssSinceLastAsked(): number {
  try {
    const kib = Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    writeFileSync('/proc/self/clear_refs', '5');
    return kib / 1024;
  } catch {
    return Number.NaN;
  }
}

async function noteIdOf(documentName: string): Promise<string> {
  const [row] = await db.select({ id: notes.id }).from(notes).where(eq(notes.blocksuite_doc_id, documentName));
  if (!row) throw new Error(`no note ${documentName}`);
  return row.id;
}

async function handle(request: LargeDocsRequest): Promise<LargeDocsReply> {
  switch (request.type) {
    case 'seed': {
      const doc = buildBlockSuiteDocument(`Large ${request.blocks}`, paragraphsWithLinks(request.blocks).lines);
      const state = Y.encodeStateAsUpdate(doc);
      const [note] = await db
        .insert(notes)
        .values({
          user_id: request.userId,
          author_contact_id: request.contactId,
          blocksuite_doc_id: request.documentName,
          blocksuite_doc: state,
        })
        .returning();
      if (!note) throw new Error('no note');
      await db.transaction((tx) =>
        updateNoteFromDocument(tx, { id: note.id, user_id: note.user_id, title: null }, doc),
      );
      doc.destroy();
      return { type: 'seeded', bytes: state.length };
    }
    case 'memory': {
      // Before collecting: the peak counts the garbage a store left for V8 to collect later.
      const peakRssMb = peakRssSinceLastAsked();
      collect();
      collect();
      const usage = process.memoryUsage();
      return { type: 'memory', rssMb: usage.rss / 2 ** 20, heapUsedMb: usage.heapUsed / 2 ** 20, peakRssMb };
    }
    case 'store': {
      const noteId = await noteIdOf(request.documentName);
      loop.reset();
      turnCpuMaxMs = 0;
      lastTick = process.threadCpuUsage();
      const started = performance.now();
      const cpuBefore = process.threadCpuUsage();
      // What the collaboration server's store hook runs while the document has clients.
      const ok = await server.services.documents.storeNow(noteId, { leaving: false });
      const ms = performance.now() - started;
      const cpu = process.threadCpuUsage(cpuBefore);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      // The turn that finished the store has not been measured yet (nor, on PGlite, whose SQL runs
      // on this thread, a store that never yielded): one timer turn later it has.
      await new Promise((resolve) => setTimeout(resolve, 2));
      return { type: 'stored', ms, loopMaxMs: loop.max / 1e6, turnCpuMaxMs, cpuMs, ok };
    }
    case 'stop':
      await server.stop();
      process.exit(0);
  }
}

process.on('message', (request: LargeDocsRequest) => {
  handle(request).then(send, (error: unknown) =>
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
send({ type: 'ready', port: server.port });
