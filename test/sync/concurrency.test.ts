// Many writers and one puller racing (real concurrency on PostgreSQL; PGlite serializes
// transactions, the test still runs there). The change cursor follows commit order, so the puller,
// continuing from its own cursors only, ends with every entity at its final version: a change
// numbered before a cursor but committed after the pull that made it would be lost for good.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerUser } from '../helpers/auth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { apiFor, ok } from '../resources/world.ts';
import { change, contactData, syncClient } from './sync-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

const ENTITIES = 12;
const WRITERS = 10;
const WRITES_PER_WRITER = 16;

it('a puller racing many REST and push writers ends with every entity at its final version', async () => {
  const user = await registerUser(server.url);
  const api = apiFor(server.url, user.accessToken);
  const sync = syncClient(server.url, user.accessToken);
  const ids = Array.from({ length: ENTITIES }, () => randomUUID());
  const created = await sync.push(
    'setup',
    ids.map((id) =>
      change({
        entity_type: 'contact',
        entity_id: id,
        operation: 'create',
        data: contactData(`Racer ${id.slice(0, 4)}`),
      }),
    ),
  );
  expect(created.failed).toEqual([]);

  const seen = new Map<string, Record<string, unknown>>();
  let cursor: string | undefined;
  let pulls = 0;
  const pullOnce = async () => {
    for (;;) {
      const page = await sync.pull(cursor, 7);
      pulls += 1;
      for (const pulled of page.changes) if (pulled.data) seen.set(pulled.entity_id, pulled.data);
      cursor = page.cursor;
      if (!page.has_more) return;
    }
  };

  let writing = true;
  const puller = (async () => {
    while (writing) await pullOnce();
  })();
  const writer = async (index: number) => {
    for (let write = 0; write < WRITES_PER_WRITER; write += 1) {
      const id = ids[(index * 7 + write * 5) % ids.length] as string;
      const value = `w${index}-${write}`;
      if (write % 2 === 0) {
        await ok(api.patch(`/contacts/${id}`, { company: value }), 200);
      } else {
        const other = ids[(index + write) % ids.length] as string;
        const result = await sync.push(`device-${index}`, [
          change({ entity_type: 'contact', entity_id: id, operation: 'update', data: { title: value } }),
          change({ entity_type: 'contact', entity_id: other, operation: 'update', data: { location: value } }),
        ]);
        expect(result.failed).toEqual([]);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: WRITERS }, (_, index) => writer(index)));
  } finally {
    // Also when a writer failed: the puller must not outlive the server.
    writing = false;
    await puller;
  }
  // One more round from the puller's own cursor, now that every writer has committed.
  await pullOnce();

  expect(pulls).toBeGreaterThan(1);
  for (const id of ids) {
    const final = await ok(api.get(`/contacts/${id}`), 200);
    expect(
      isDeepStrictEqual(seen.get(id), final),
      `${id}: pulled ${JSON.stringify(seen.get(id))}, final ${JSON.stringify(final)}`,
    ).toBe(true);
  }
}, 120_000);
