// Issue 5 end to end: links and topics written in a document by a real provider appear through
// the REST API, and follow notes that take, lose or never have the label's title.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes, noteUpdates } from '../../src/db/schema/index.ts';
import { fillBlockSuiteDocument, readBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { connectProvider, eventually, waitAcknowledged, waitSynced, type TestProvider } from '../helpers/collab.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { noteOf } from './fixtures.ts';

let server: TestServer;
let alice: RegisteredUser;
let bob: RegisteredUser;
let client: TestProvider;
let documentName: string;
let sourceNoteId: string;

const linksOf = async (noteId: string, token: string) =>
  (
    (await request(server.url, 'GET', `/api/v1/notes/${noteId}/links`, { token })).body.data as Array<{
      note_id: string;
    }>
  ).map((link) => link.note_id);

async function topicNotes(slug: string, token: string): Promise<string[]> {
  const response = await request(server.url, 'GET', `/api/v1/topics?slug=${encodeURIComponent(slug)}`, { token });
  const topic = response.body.data[0] as { linked_notes: Array<{ note_id: string }> } | undefined;
  return topic ? topic.linked_notes.map((note) => note.note_id) : [];
}

function paragraphs(doc: Y.Doc): Y.Array<string> {
  const blocks = doc.getMap<Y.Map<unknown>>('blocks');
  const note = [...blocks.values()].find((block) => block.get('sys:flavour') === 'affine:note');
  return note?.get('sys:children') as Y.Array<string>;
}

beforeAll(async () => {
  server = await startTestServer({ STORE_DEBOUNCE_MS: '50', STORE_MAX_DEBOUNCE_MS: '200' });
  alice = await registerUser(server.url);
  bob = await registerUser(server.url);
  documentName = `doc-${randomUUID()}`;
  client = connectProvider(server.collabUrl, documentName, alice.accessToken);
  await waitSynced(client);
  fillBlockSuiteDocument(client.doc, 'Source', ['Intro to [[Alpha]]', 'Waiting for [[Beta Note]]']);
  await waitAcknowledged(client);
  sourceNoteId = (await noteOf(server, documentName))!.id;
});

afterAll(async () => {
  client?.destroy();
  await server?.destroy();
});

describe('links and topics from a live document', () => {
  it('makes [[Alpha]] the topic "alpha" linked to the note, and takes the page title', async () => {
    await eventually(
      async () => (await topicNotes('alpha', alice.accessToken)).includes(sourceNoteId),
      15_000,
      'topic alpha',
    );
    const note = await request(server.url, 'GET', `/api/v1/notes/${sourceNoteId}`, { token: alice.accessToken });
    expect(note.body.data.title).toBe('Source');
    expect(await topicNotes('alpha', bob.accessToken)).toEqual([]);
  });

  it("links [[Beta Note]] only once the user has a note of that title, never another user's, and unlinks on rename", async () => {
    await eventually(
      async () => (await topicNotes('beta-note', alice.accessToken)).includes(sourceNoteId),
      15_000,
      'topic beta-note',
    );
    expect(await linksOf(sourceNoteId, alice.accessToken)).toEqual([]);

    const foreign = await request(server.url, 'POST', '/api/v1/notes', {
      token: bob.accessToken,
      body: { title: 'Beta Note' },
    });
    expect(foreign.status).toBe(201);
    expect(await linksOf(sourceNoteId, alice.accessToken)).toEqual([]);

    const created = await request(server.url, 'POST', '/api/v1/notes', {
      token: alice.accessToken,
      body: { title: 'beta NOTE' },
    });
    expect(created.status).toBe(201);
    expect(await linksOf(sourceNoteId, alice.accessToken)).toEqual([created.body.data.id]);
    const backlinks = await request(server.url, 'GET', `/api/v1/notes/${created.body.data.id}/backlinks`, {
      token: alice.accessToken,
    });
    expect(backlinks.body.data.map((link: { note_id: string }) => link.note_id)).toEqual([sourceNoteId]);

    const renamed = await request(server.url, 'PATCH', `/api/v1/notes/${created.body.data.id}`, {
      token: alice.accessToken,
      body: { title: 'Gamma' },
    });
    expect(renamed.status).toBe(200);
    expect(await linksOf(sourceNoteId, alice.accessToken)).toEqual([]);
  });

  it('drops the topic link when the paragraph holding the label is deleted', async () => {
    paragraphs(client.doc).delete(0, 1);
    await waitAcknowledged(client);
    await eventually(
      async () => !(await topicNotes('alpha', alice.accessToken)).includes(sourceNoteId),
      15_000,
      'topic alpha unlinked',
    );
    expect(await topicNotes('beta-note', alice.accessToken)).toEqual([sourceNoteId]);
  });
});

describe('stores while a document is edited', () => {
  it('refresh its derived data and leave a small log; the store when the last client leaves folds it', async () => {
    const name = `doc-${randomUUID()}`;
    const editor = connectProvider(server.collabUrl, name, alice.accessToken);
    try {
      await waitSynced(editor);
      fillBlockSuiteDocument(editor.doc, 'Kept in the log', ['first words']);
      await waitAcknowledged(editor);
      const noteId = (await noteOf(server, name))!.id;
      const db = server.server.services.db;
      const logLength = async () =>
        (await db.select({ id: noteUpdates.id }).from(noteUpdates).where(eq(noteUpdates.note_id, noteId))).length;
      const row = async () => (await db.select().from(notes).where(eq(notes.id, noteId)))[0]!;

      await eventually(async () => (await row()).title === 'Kept in the log', 15_000, 'title stored');
      const blocks = editor.doc.getMap<Y.Map<unknown>>('blocks');
      const paragraph = [...blocks.values()].find((block) => block.get('sys:flavour') === 'affine:paragraph');
      (paragraph!.get('prop:text') as Y.Text).insert(0, 'more, ');
      await waitAcknowledged(editor);
      await eventually(
        async () => (await row()).blocksuite_snapshot?.text === 'more, first words',
        15_000,
        'text stored',
      );
      // Stored twice, the log never folded: far below a quarter megabyte.
      expect(await logLength()).toBeGreaterThanOrEqual(2);
      expect((await row()).blocksuite_doc).toBeNull();

      editor.destroy();
      await eventually(
        async () => (await server.server.services.documents.live.find(name)) === undefined,
        15_000,
        'unload',
      );
      expect(await logLength()).toBe(0);
      const stored = new Y.Doc();
      Y.applyUpdate(stored, (await row()).blocksuite_doc!);
      expect(readBlockSuiteDocument(stored).text).toBe('more, first words');
    } finally {
      editor.destroy();
    }
  });
});
