import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes, noteUpdates } from '../../src/db/schema/index.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import {
  connectKept,
  connectProvider,
  destroyProviders,
  eventually,
  type ProviderOptions,
  stateText,
  type TestProvider,
  textOf,
  waitAcknowledged,
  waitFor,
  waitSynced,
} from '../helpers/collab.ts';
import { holdLogAppends } from '../helpers/database.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { destroyProvidersAndServer, startServerWithUsers } from '../helpers/server-with-users.ts';
import { noteOf, storedText, updateAppending } from './fixtures.ts';

let server: TestServer;
let alice: RegisteredUser;
let bob: RegisteredUser;
const clients: TestProvider[] = [];

const connect = (name: string, user: RegisteredUser = alice, options?: ProviderOptions) =>
  connectKept(clients, server.collabUrl, name, user.accessToken, options);

beforeAll(async () => {
  // A long store debounce: what these tests see in the database before a store is the log alone.
  [server, alice, bob] = await startServerWithUsers(2, { STORE_DEBOUNCE_MS: '60000', STORE_MAX_DEBOUNCE_MS: '120000' });
});
afterAll(() => destroyProvidersAndServer(clients, server));

describe('collaborative editing on Hocuspocus at /collab', () => {
  it('acknowledges an edit only once it is committed to the log', async () => {
    const a = connect('ack-doc');
    const b = connect('ack-doc');
    await Promise.all([waitSynced(a), waitSynced(b)]);
    const note = await noteOf(server, 'ack-doc');
    for (const word of ['one ', 'two ', 'three']) {
      a.doc.getText('text').insert(a.doc.getText('text').length, word);
      await waitAcknowledged(a);
      // At the acknowledgement the edit is already in the database, before any store.
      expect(await storedText(server, note!.id)).toBe(textOf(a.doc));
    }
    await waitFor(() => textOf(b.doc) === 'one two three');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(Number(/^collab_updates_logged_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    expect(Number(/^collab_open_connections (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    expect(metrics).toMatch(/^collab_update_append_duration_seconds_count [1-9]/m);
    const [row] = await server.server.services.db.select().from(notes).where(eq(notes.id, note!.id));
    expect(row!.blocksuite_doc).toBeNull();
  });

  it('shows an edit to the other clients at once, while its acknowledgement waits for the commit', async () => {
    const a = connect('fanout-doc');
    const b = connect('fanout-doc');
    await Promise.all([waitSynced(a), waitSynced(b)]);
    const note = await noteOf(server, 'fanout-doc');
    a.doc.getText('text').insert(0, 'first ');
    await waitAcknowledged(a);

    const release = await holdLogAppends(server.server.services.db);
    try {
      a.doc.getText('text').insert(textOf(a.doc).length, 'second');
      await waitFor(() => textOf(b.doc) === 'first second', 5000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(a.provider.unsyncedChanges).toBeGreaterThan(0);
    } finally {
      await release();
    }
    await waitAcknowledged(a);
    expect(await storedText(server, note!.id)).toBe('first second');
  });

  it('converges concurrent edits of two providers', async () => {
    const a = connect('converge-doc');
    const b = connect('converge-doc');
    await Promise.all([waitSynced(a), waitSynced(b)]);
    for (let i = 0; i < 20; i += 1) {
      a.doc.getText('text').insert(0, 'a');
      b.doc.getText('text').insert(b.doc.getText('text').length, 'b');
    }
    await Promise.all([waitAcknowledged(a), waitAcknowledged(b)]);
    await waitFor(() => textOf(a.doc) === textOf(b.doc) && textOf(a.doc).length === 40);
    const note = await noteOf(server, 'converge-doc');
    expect(await storedText(server, note!.id)).toBe(textOf(a.doc));
  });

  it('stores and unloads a document once its last client leaves', async () => {
    const a = connect('unload-doc');
    await waitSynced(a);
    a.doc.getText('text').insert(0, 'stored on leave');
    await waitAcknowledged(a);
    const note = await noteOf(server, 'unload-doc');
    a.destroy();
    await eventually(
      async () => (await server.server.services.documents.live.find('unload-doc')) === undefined,
      10_000,
      'unload',
    );
    const [row] = await server.server.services.db.select().from(notes).where(eq(notes.id, note!.id));
    expect(stateText(row!.blocksuite_doc!)).toBe('stored on leave');
    expect(
      await server.server.services.db.select().from(noteUpdates).where(eq(noteUpdates.note_id, note!.id)),
    ).toHaveLength(0);
  });

  it('creates the note for a new document name, owned by the caller and authored by Contact Zero', async () => {
    const a = connect('brand-new-doc');
    await waitSynced(a);
    expect(await noteOf(server, 'brand-new-doc')).toMatchObject({
      user_id: alice.userId,
      author_contact_id: alice.contactZeroId,
      kind: 'note',
      is_inbox: true,
    });
  });

  describe('POST /api/v1/notes/:id/doc', () => {
    it('applies an update through the live document: connected editors see it, it is logged, the answer is the diff', async () => {
      const editor = connect('http-doc');
      await waitSynced(editor);
      editor.doc.getText('text').insert(0, 'from the socket. ');
      await waitAcknowledged(editor);
      const note = await noteOf(server, 'http-doc');

      // The HTTP client knows nothing yet: it sends its own edit and an empty state vector.
      const own = new Y.Doc();
      own.getText('text').insert(0, 'from http.');
      const response = await request(server.url, 'POST', `/api/v1/notes/${note!.id}/doc`, {
        token: alice.accessToken,
        body: {
          update: Buffer.from(Y.encodeStateAsUpdate(own)).toString('base64'),
          state_vector: Buffer.from(Y.encodeStateVector(own)).toString('base64'),
        },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      await waitFor(() => textOf(editor.doc).includes('from http.'), 5000, 'the editor to see the HTTP edit');
      expect(await storedText(server, note!.id)).toBe(textOf(editor.doc));

      Y.applyUpdate(own, Buffer.from(response.body.data.update, 'base64'));
      expect(textOf(own)).toBe(textOf(editor.doc));
      expect(Buffer.from(response.body.data.state_vector, 'base64')).toEqual(
        Buffer.from(Y.encodeStateVector(editor.doc)),
      );
    });

    it('answers a read (state vector only) without writing, and logs an update to a document nobody has open', async () => {
      const a = connect('http-closed-doc');
      await waitSynced(a);
      const note = await noteOf(server, 'http-closed-doc');
      a.destroy();
      await eventually(
        async () => (await server.server.services.documents.live.find('http-closed-doc')) === undefined,
        10_000,
        'unload',
      );
      const update = updateAppending(null, 'written over http');
      const write = await request(server.url, 'POST', `/api/v1/notes/${note!.id}/doc`, {
        token: alice.accessToken,
        body: { update: Buffer.from(update).toString('base64') },
      });
      expect(write.status).toBe(200);
      expect(stateText(Buffer.from(write.body.data.update, 'base64'))).toBe('written over http');
      expect(await storedText(server, note!.id)).toBe('written over http');

      const logBefore = await server.server.services.db
        .select()
        .from(noteUpdates)
        .where(eq(noteUpdates.note_id, note!.id));
      const read = await request(server.url, 'POST', `/api/v1/notes/${note!.id}/doc`, {
        token: alice.accessToken,
        body: { state_vector: write.body.data.state_vector },
      });
      expect(read.status).toBe(200);
      expect(Y.decodeUpdate(Buffer.from(read.body.data.update, 'base64')).structs).toHaveLength(0);
      expect(
        await server.server.services.db.select().from(noteUpdates).where(eq(noteUpdates.note_id, note!.id)),
      ).toEqual(logBefore);

      // A fresh provider loads it: stored state + log.
      const fresh = connect('http-closed-doc');
      await waitSynced(fresh);
      expect(textOf(fresh.doc)).toBe('written over http');
    });

    it('refuses bad base64 and bytes that are not Yjs with 400, and writes nothing', async () => {
      const a = connect('http-bad-doc');
      await waitSynced(a);
      const note = await noteOf(server, 'http-bad-doc');
      for (const body of [
        { update: 'not base64!' },
        { update: Buffer.from([1, 2, 3, 250]).toString('base64') },
        { state_vector: '@@@' },
        { update: '' },
        { extra: 'x' },
      ]) {
        const response = await request(server.url, 'POST', `/api/v1/notes/${note!.id}/doc`, {
          token: alice.accessToken,
          body,
        });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(response.body.error.code).toBe('VALIDATION_ERROR');
      }
      expect(
        await server.server.services.db.select().from(noteUpdates).where(eq(noteUpdates.note_id, note!.id)),
      ).toHaveLength(0);
    });

    it("answers 404 for another user's note exactly like a missing one, and 401 without a token", async () => {
      const a = connect('http-private-doc');
      await waitSynced(a);
      const note = await noteOf(server, 'http-private-doc');
      const body = { update: Buffer.from(updateAppending(null, 'intrusion')).toString('base64') };
      const theirs = await request(server.url, 'POST', `/api/v1/notes/${note!.id}/doc`, {
        token: bob.accessToken,
        body,
      });
      const missing = await request(server.url, 'POST', '/api/v1/notes/00000000-0000-4000-8000-000000000000/doc', {
        token: bob.accessToken,
        body,
      });
      expect(theirs.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(theirs.body.error).toEqual(missing.body.error);
      expect((await request(server.url, 'POST', `/api/v1/notes/${note!.id}/doc`, { body })).status).toBe(401);
      expect(await storedText(server, note!.id)).toBe('');
    });
  });

  it("gives the REST layer a note's current state holding every acknowledged edit, before any store", async () => {
    const a = connect('current-state-doc');
    await waitSynced(a);
    a.doc.getText('text').insert(0, 'acknowledged, not yet stored');
    await waitAcknowledged(a);
    const note = await noteOf(server, 'current-state-doc');
    expect(note!.blocksuite_doc).toBeNull();
    const state = await server.server.services.documents.currentState(note!);
    expect(stateText(state!)).toBe('acknowledged, not yet stored');
  });
});

describe('a restart', () => {
  it('keeps every edit of two providers, stores loaded documents on shutdown, and both reconnect to it', async () => {
    const local = await startTestServer({ STORE_DEBOUNCE_MS: '60000', STORE_MAX_DEBOUNCE_MS: '120000' });
    let current = local;
    const restartClients: TestProvider[] = [];
    try {
      const user = await registerUser(local.url);
      const a = connectProvider(local.collabUrl, 'restart-doc', user.accessToken);
      const b = connectProvider(local.collabUrl, 'restart-doc', user.accessToken);
      restartClients.push(a, b);
      await Promise.all([waitSynced(a), waitSynced(b)]);
      a.doc.getText('text').insert(0, 'A1 ');
      b.doc.getText('text').insert(0, 'B1 ');
      await Promise.all([waitAcknowledged(a), waitAcknowledged(b)]);
      const note = await noteOf(local, 'restart-doc');

      current = await local.restart({ PORT: String(local.server.port) });
      // Graceful shutdown compacted the document: the log is empty, the state is in the note.
      const [row] = await current.server.services.db.select().from(notes).where(eq(notes.id, note!.id));
      expect(stateText(row!.blocksuite_doc!)).toBe(textOf(a.doc));
      expect(
        await current.server.services.db.select().from(noteUpdates).where(eq(noteUpdates.note_id, note!.id)),
      ).toHaveLength(0);

      // The same providers reconnect on their own (1012: reconnect later) and keep editing.
      expect(a.closes.some((close) => close.code === 1012)).toBe(true);
      await Promise.all([waitSynced(a, 15_000), waitSynced(b, 15_000)]);
      a.doc.getText('text').insert(0, 'A2 ');
      b.doc.getText('text').insert(0, 'B2 ');
      await Promise.all([waitAcknowledged(a), waitAcknowledged(b)]);
      await waitFor(() => textOf(a.doc) === textOf(b.doc) && textOf(a.doc).length === 12);

      const fresh = connectKept(restartClients, current.collabUrl, 'restart-doc', user.accessToken);
      await waitSynced(fresh);
      expect(textOf(fresh.doc)).toBe(textOf(a.doc));
    } finally {
      destroyProviders(restartClients);
      await current.destroy();
    }
  });
});
