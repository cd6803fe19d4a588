// A pull page also ends at SYNC_PULL_MAX_PAGE_BYTES: notes carry their whole documents, so a page
// bounded by count alone could be gigabytes. Nothing is skipped, and one change larger than the
// budget still travels, alone.
import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { countUncompactedUpdates } from '../../src/domain/documents/update-log-stats.ts';
import { registerUser } from '../helpers/auth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { apiFor, ok } from '../resources/world.ts';
import { syncClient, type PulledChange } from './sync-client.ts';

const PAGE_BYTES = 150_000;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SYNC_PULL_MAX_PAGE_BYTES: String(PAGE_BYTES) });
});
afterAll(async () => server?.destroy());

/** Text that does not shrink: each note's document is about `bytes` long. */
const filler = (bytes: number) =>
  randomBytes(Math.ceil(bytes / 2))
    .toString('hex')
    .slice(0, bytes);

it('ends a page once its changes pass the byte budget, skips nothing, and sends a bigger change alone', async () => {
  const user = await registerUser(server.url);
  const api = apiFor(server.url, user.accessToken);
  const sync = syncClient(server.url, user.accessToken);
  const start = (await sync.pullAll()).cursor;

  const noteIds: string[] = [];
  for (const size of [30_000, 30_000, 30_000, 30_000, 200_000, 30_000]) {
    const note = await ok(api.post('/notes', { title: `Note ${noteIds.length}` }));
    const doc = buildBlockSuiteDocument(`Note ${noteIds.length}`, [filler(size)]);
    const stored = await api.post(`/notes/${note.id}/doc`, {
      update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64'),
    });
    expect(stored.status, JSON.stringify(stored.body)).toBe(200);
    noteIds.push(note.id);
  }

  // Each stored update is folded by a debounced compaction, which re-records the note in the feed;
  // pulling while those run would see a note twice (rightly: it changed again). Wait them out.
  const deadline = Date.now() + 60_000;
  while ((await countUncompactedUpdates(server.server.services.db)) > 0) {
    expect(Date.now(), 'compactions to finish').toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const pages: PulledChange[][] = [];
  let cursor = start;
  for (;;) {
    const page = await sync.pull(cursor, 1000);
    pages.push(page.changes);
    cursor = page.cursor;
    if (!page.has_more) break;
    expect(pages.length).toBeLessThan(20);
  }
  const seen = pages
    .flat()
    .filter((change) => change.entity_type === 'note')
    .map((change) => change.entity_id);
  expect(new Set(seen)).toEqual(new Set(noteIds));
  expect(seen).toHaveLength(noteIds.length);
  for (const page of pages) {
    // Over budget only when a single change is itself bigger than the budget.
    if (page.length > 1) expect(JSON.stringify(page).length).toBeLessThanOrEqual(PAGE_BYTES + 1000);
    expect(page.length).toBeGreaterThan(0);
  }
  // The count limit alone would have sent everything in one page.
  expect(pages.length).toBeGreaterThanOrEqual(3);
  const big = pages.find((page) => page.some((change) => change.entity_id === noteIds[4]));
  expect(big).toHaveLength(1);
  expect(JSON.stringify(big).length).toBeGreaterThan(PAGE_BYTES);
  // Every note arrives with its whole document.
  for (const change of pages.flat().filter((c) => c.entity_type === 'note'))
    expect(typeof (change.data as { blocksuite_doc: unknown }).blocksuite_doc).toBe('string');
});
