// A pull page also ends at SYNC_PULL_MAX_PAGE_BYTES: notes carry their whole documents, so a page
// bounded by count alone could be gigabytes. Nothing is skipped, and one change larger than the
// budget still travels, alone. Entities are also loaded only as far as the budget allows, by their
// stored lengths, so building a page never holds more than about one budget.
import { randomBytes, randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { countUncompactedUpdates } from '../../src/domain/documents/update-log-stats.ts';
import { weighEntities } from '../../src/domain/resources/index.ts';
import { pullChanges } from '../../src/domain/sync/pull.ts';
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

/** A data URL of `bytes` random (incompressible) bytes. */
const dataUrlOf = (bytes: number) => `data:application/octet-stream;base64,${randomBytes(bytes).toString('base64')}`;

it('loads a chunk of large entities only as far as the budget allows, weighed by stored length first', async () => {
  const user = await registerUser(server.url);
  const api = apiFor(server.url, user.accessToken);
  const sync = syncClient(server.url, user.accessToken);
  const start = (await sync.pullAll()).cursor;
  const contact = await ok(
    api.post('/contacts', { full_name: 'Grace', relationship_domain: 'business', relationship_role: 'client' }),
  );
  // Twelve interactions of a 40 KB file each (about 54 KB as a data URL): two or three fit a
  // 150 KB page, and the count limit alone (100 per step) would have loaded all of them at once.
  const interactionIds: string[] = [];
  for (let index = 0; index < 12; index += 1) {
    const created = await ok(
      api.post('/interactions', {
        contact_id: contact.id,
        type: 'meeting',
        summary: `Meeting ${index}`,
        occurred_at: new Date(Date.UTC(2025, 0, index + 1)).toISOString(),
        attachments: [
          {
            file_name: `file-${index}.bin`,
            mime_type: 'application/octet-stream',
            data_url: dataUrlOf(index === 5 ? 200_000 : 40_000),
          },
        ],
      }),
    );
    interactionIds.push(created.id);
  }

  const auth = {
    userId: user.userId,
    contactZeroId: user.contactZeroId,
    sessionId: randomUUID(),
    email: user.email,
  };
  const db = server.server.services.db;
  const steps: number[][] = [];
  const pages: PulledChange[][] = [];
  let cursor: string | null = start;
  for (;;) {
    const loaded: number[] = [];
    const page = await pullChanges(
      db,
      auth,
      { cursor, limit: 1000 },
      {
        maxPageBytes: PAGE_BYTES,
        onChunkLoaded: (entities) => loaded.push(...[...entities.values()].map((e) => JSON.stringify(e).length)),
      },
    );
    steps.push(loaded);
    pages.push(page.changes as PulledChange[]);
    cursor = page.cursor;
    if (!page.has_more) break;
    expect(pages.length).toBeLessThan(30);
  }

  // Every change, once, in order, at least one per page.
  const seen = pages
    .flat()
    .filter((change) => change.entity_type === 'interaction')
    .map((change) => change.entity_id);
  expect(seen).toEqual(interactionIds);
  for (const page of pages) expect(page.length).toBeGreaterThan(0);
  expect(pages.length).toBeGreaterThanOrEqual(4);
  // What each page loaded stays within the budget, unless it loaded a single entity bigger than it.
  expect(steps.flat().length).toBeGreaterThanOrEqual(seen.length);
  for (const loaded of steps) {
    const total = loaded.reduce((sum, bytes) => sum + bytes, 0);
    if (loaded.length > 1) expect(total).toBeLessThanOrEqual(PAGE_BYTES);
  }
  const alone = steps.find((loaded) => loaded.some((bytes) => bytes > PAGE_BYTES));
  expect(alone).toHaveLength(1);
  // Every interaction arrives with its file.
  for (const change of pages.flat().filter((c) => c.entity_type === 'interaction'))
    expect((change.data as { attachments: Array<{ data_url: string }> }).attachments[0]?.data_url).toMatch(/^data:/);
});

it('weighs a note by its stored document and log, before loading it', async () => {
  const user = await registerUser(server.url);
  const api = apiFor(server.url, user.accessToken);
  const note = await ok(api.post('/notes', { title: 'Weighed' }));
  const doc = buildBlockSuiteDocument('Weighed', [filler(60_000)]);
  const update = Y.encodeStateAsUpdate(doc);
  expect((await api.post(`/notes/${note.id}/doc`, { update: Buffer.from(update).toString('base64') })).status).toBe(
    200,
  );
  const auth = { userId: user.userId, contactZeroId: user.contactZeroId, sessionId: randomUUID(), email: user.email };
  const weights = await weighEntities(server.server.services.db, auth, 'note', [note.id]);
  // Compacted or still in the log, the document's bytes are counted (the snapshot adds to them).
  expect(weights.get(note.id)).toBeGreaterThanOrEqual(update.length);
  // Another user's note weighs nothing: it is not theirs to load.
  const other = await registerUser(server.url);
  const foreign = await weighEntities(
    server.server.services.db,
    { userId: other.userId, contactZeroId: other.contactZeroId, sessionId: randomUUID(), email: other.email },
    'note',
    [note.id],
  );
  expect(foreign.size).toBe(0);
});
