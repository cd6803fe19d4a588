// MAX_DOCUMENT_STRUCTS on live documents (docs/security.md, "Limits"): the per-edit check is
// incremental (the document's bound grows by each update's own cost), so editing a large document
// never re-encodes it; a document loaded past the limit (stored while the limit was higher, or
// imported) stays editable, and the limit still refuses growth by updates (4413).
// The recount metric (collab_document_recounts_total) counts every whole-document encode and count.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import {
  connectKept,
  connectProvider,
  destroyProviders,
  type TestProvider,
  textOf,
  waitAcknowledged,
  waitFor,
  waitSynced,
} from '../helpers/collab.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startServerWithUsers } from '../helpers/server-with-users.ts';
import { noteOf, storedText } from './fixtures.ts';

const opened: TestProvider[] = [];
const open = (server: TestServer, user: RegisteredUser, name: string): TestProvider =>
  connectKept(opened, server.collabUrl, name, user.accessToken, { awareness: false });
afterEach(() => {
  destroyProviders(opened);
});

async function metric(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** Types `count` characters, one acknowledged edit each; returns nothing, throws on a close. */
async function typeAcknowledged(provider: TestProvider, count: number): Promise<void> {
  const text = provider.doc.getText('text');
  for (let i = 0; i < count; i += 1) {
    text.insert(text.length, 'x');
    await waitAcknowledged(provider, 30_000);
    expect(provider.closes).toEqual([]);
  }
}

/** `pushes` updates of `values` numbers each into the array `items` (each costs values + 1). */
async function fill(provider: TestProvider, pushes: number, values: number): Promise<void> {
  const items = provider.doc.getArray<number>('items');
  for (let p = 0; p < pushes; p += 1) {
    provider.doc.transact(() => items.push(Array.from({ length: values }, (_, index) => index)));
    await waitAcknowledged(provider, 60_000);
    expect(provider.closes).toEqual([]);
  }
}

describe('a document past the old default (500 000 structs) at the default limits', () => {
  let server: TestServer;
  let user: RegisteredUser;
  beforeAll(async () => {
    [server, user] = await startServerWithUsers(1);
  });
  afterAll(() => server?.destroy());

  it('loads and takes edits without a whole-document recount', async () => {
    const writer = open(server, user, 'past-old-default');
    await waitSynced(writer);
    // 11 × 48 001 = 528 011 structs, each update under MAX_UPDATE_STRUCTS (50 000).
    await fill(writer, 11, 48_000);
    writer.destroy();

    // A fresh client loads it from the database (or from memory) and edits it.
    const editor = open(server, user, 'past-old-default');
    await waitSynced(editor, 60_000);
    expect(editor.doc.getArray('items').length).toBe(528_000);
    await typeAcknowledged(editor, 5);
    expect(textOf(editor.doc)).toBe('xxxxx');
    expect(await metric(server, 'collab_document_recounts_total')).toBe(0);
    const noteId = (await noteOf(server, 'past-old-default'))!.id;
    expect(await storedText(server, noteId)).toBe('xxxxx');
  }, 180_000);
});

describe('a document loaded past MAX_DOCUMENT_STRUCTS', () => {
  let server: TestServer;
  let user: RegisteredUser;
  beforeAll(async () => {
    // Filled while the limit is 8000; then the server restarts with 5000.
    server = await startTestServer({ MAX_UPDATE_STRUCTS: '2000', MAX_DOCUMENT_STRUCTS: '8000' });
    user = await registerUser(server.url);
    const writer = connectProvider(server.collabUrl, 'over-limit', user.accessToken, { awareness: false });
    try {
      await waitSynced(writer);
      await fill(writer, 3, 1900); // 3 × 1901 = 5703
    } finally {
      writer.destroy();
    }
    server = await server.restart({ MAX_UPDATE_STRUCTS: '2000', MAX_DOCUMENT_STRUCTS: '5000' });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('stays editable, edit after edit, without re-encoding the document per edit', async () => {
    const editor = open(server, user, 'over-limit');
    await waitSynced(editor);
    expect(editor.doc.getArray('items').length).toBe(5700);
    // Before: each of these recounted the whole state, found it past 5000 and closed with 4413.
    await typeAcknowledged(editor, 20);
    expect(await metric(server, 'collab_document_recounts_total')).toBe(0);
    const noteId = (await noteOf(server, 'over-limit'))!.id;
    expect(await storedText(server, noteId)).toBe('x'.repeat(20));
  }, 60_000);

  it('refuses growth by an update past its allowance with 4413, cheaply, and stores nothing of it', async () => {
    const editor = open(server, user, 'over-limit');
    await waitSynced(editor);
    // Loaded at ~5743; the allowance past the limit is a tenth of it (500): 1901 more is refused.
    editor.doc.transact(() => editor.doc.getArray('items').push(Array.from({ length: 1900 }, () => ({}))));
    await waitFor(() => editor.closes.some((close) => close.code === 4413), 10_000, 'a 4413 close');
    expect(editor.closes[0]).toEqual({ code: 4413, reason: 'Document too complex' });
    // Refused on the bound alone: one recount at most (the load's bound is not exact).
    expect(await metric(server, 'collab_document_recounts_total')).toBeLessThanOrEqual(1);
    const reader = open(server, user, 'over-limit');
    await waitSynced(reader);
    expect(reader.doc.getArray('items').length).toBe(5700);
  }, 60_000);
});
