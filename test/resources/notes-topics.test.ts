import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { noteLinks, notes, noteTopics, noteUpdates, topics } from '../../src/db/schema/index.ts';
import { normalizeTitle } from '../../src/domain/blocksuite/slug.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import type { TestServer } from '../helpers/server.ts';
import { ok, type World, startServerWithWorlds } from './world.ts';

// The extraction layer's hook: the REST layer must call it whenever a note's title or archived
// flag changes (or a note appears), so [[labels]] elsewhere re-resolve.
const titleHook = vi.hoisted(() => ({
  calls: [] as Array<{ id: string; title: string | null; is_archived: boolean; previous: string | null | undefined }>,
}));
vi.mock('../../src/domain/notes/title-links.ts', () => ({
  onNoteTitleOrArchiveChanged: async (
    _tx: unknown,
    note: { id: string; title: string | null; is_archived: boolean },
    previous?: string | null,
  ) => {
    titleHook.calls.push({ id: note.id, title: note.title, is_archived: note.is_archived, previous });
  },
}));

let server: TestServer;
let world: World;
let other: World;

beforeAll(async () => {
  [server, world, other] = await startServerWithWorlds(2);
});
afterAll(async () => server?.destroy());
beforeEach(() => {
  titleHook.calls.length = 0;
});

const db = () => server.server.services.db;

describe('notes', () => {
  it('generates a UUID blocksuite_doc_id when none is sent, keeps a given one, and never lets it change', async () => {
    const generated = await ok(world.api.post('/notes', { title: 'No doc id' }));
    expect(generated.blocksuite_doc_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const named = await ok(world.api.post('/notes', { title: 'Named', blocksuite_doc_id: 'my-doc_1.2:3' }));
    expect(named.blocksuite_doc_id).toBe('my-doc_1.2:3');
    expect(named.author_contact_id).toBe(world.contactZeroId);
    expect(
      await ok(world.api.patch(`/notes/${named.id}`, { blocksuite_doc_id: 'my-doc_1.2:3', title: 'Same id' }), 200),
    ).toMatchObject({ title: 'Same id' });
    const changed = await world.api.patch(`/notes/${named.id}`, { blocksuite_doc_id: 'another' });
    expect(changed.body.error.details).toEqual([{ field: 'blocksuite_doc_id', message: expect.any(String) }]);
    expect((await world.api.post('/notes', { blocksuite_doc_id: 'has spaces' })).body.error.details[0].field).toBe(
      'blocksuite_doc_id',
    );
    expectErrorEnvelope(await other.api.post('/notes', { blocksuite_doc_id: 'my-doc_1.2:3' }), 409, 'CONFLICT');
    expect(
      (await ok(world.api.put(`/notes/${named.id}`, { title: 'Put keeps the doc id' }), 200)).blocksuite_doc_id,
    ).toBe('my-doc_1.2:3');
  });

  it('stores the normalized title on every title write and calls the link hook on create, rename and archive only', async () => {
    const created = await ok(world.api.post('/notes', { title: 'Straße  CAFÉ' }));
    const stored = async () =>
      (await db().select({ title_normalized: notes.title_normalized }).from(notes).where(eq(notes.id, created.id)))[0]
        ?.title_normalized;
    expect(await stored()).toBe(normalizeTitle('Straße  CAFÉ'));
    await ok(world.api.patch(`/notes/${created.id}`, { tags: ['only-tags'] }), 200);
    await ok(world.api.patch(`/notes/${created.id}`, { title: 'Ünïcode' }), 200);
    expect(await stored()).toBe(normalizeTitle('Ünïcode'));
    await ok(world.api.patch(`/notes/${created.id}`, { title: null }), 200);
    expect(await stored()).toBeNull();
    expect((await world.api.del(`/notes/${created.id}`)).status).toBe(204);
    expect(titleHook.calls).toEqual([
      { id: created.id, title: 'Straße  CAFÉ', is_archived: false, previous: null },
      { id: created.id, title: 'Ünïcode', is_archived: false, previous: 'Straße  CAFÉ' },
      { id: created.id, title: null, is_archived: false, previous: 'Ünïcode' },
      { id: created.id, title: null, is_archived: true, previous: null },
    ]);
  });

  it('GET /notes/:id carries the full document (stored state + update log) and the snapshot; lists carry neither', async () => {
    const note = await ok(world.api.post('/notes', { title: 'Doc' }));
    const first = new Y.Doc();
    first.getText('t').insert(0, 'stored ');
    const stored = Y.encodeStateAsUpdate(first);
    const second = new Y.Doc();
    Y.applyUpdate(second, stored);
    const before = Y.encodeStateVector(second);
    second.getText('t').insert(7, 'and logged');
    const logged = Y.encodeStateAsUpdate(second, before);
    const snapshot = { title: 'Doc', text: 'stored and logged', blocks: [] };
    await db()
      .update(notes)
      .set({ blocksuite_doc: stored, blocksuite_snapshot: snapshot })
      .where(eq(notes.id, note.id));
    await db().insert(noteUpdates).values({ note_id: note.id, update: logged });

    const read = await ok(world.api.get(`/notes/${note.id}`), 200);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Buffer.from(read.blocksuite_doc, 'base64'));
    expect(doc.getText('t').toString()).toBe('stored and logged');
    expect(read.blocksuite_snapshot).toEqual(snapshot);
    const listed = (await ok(world.api.get('/notes?per_page=100'), 200)).find(
      (row: { id: string }) => row.id === note.id,
    );
    expect(listed).not.toHaveProperty('blocksuite_doc');
    expect(listed).not.toHaveProperty('blocksuite_snapshot');
    expect(listed).not.toHaveProperty('search_vector');
    expect(listed).not.toHaveProperty('title_normalized');
    const sentBack = await ok(world.api.put(`/notes/${note.id}`, read), 200);
    expect(sentBack.blocksuite_doc).toBe(read.blocksuite_doc);
  });

  it('ranks ?search= by full-text relevance over title and document text', async () => {
    const inText = await ok(world.api.post('/notes', { title: 'Weekly sync' }));
    await db()
      .update(notes)
      .set({ blocksuite_snapshot: { title: 'Weekly sync', text: 'we argued about the aardvark budget', blocks: [] } })
      .where(eq(notes.id, inText.id));
    const inTitle = await ok(world.api.post('/notes', { title: 'Aardvark budget' }));
    await ok(world.api.post('/notes', { title: 'Unrelated' }));
    const found = await ok(world.api.get('/notes?search=aardvark%20budget'), 200);
    expect(found.map((row: { id: string }) => row.id)).toEqual([inTitle.id, inText.id]);
    expect(
      (await ok(world.api.get('/notes?search=%22aardvark%20budget%22%20-argued'), 200)).map(
        (row: { id: string }) => row.id,
      ),
    ).toEqual([inTitle.id]);
    expect(await ok(world.api.get('/notes?search=aardvark&sort=created_at&order=asc'), 200)).toHaveLength(2);
    expect(await ok(other.api.get('/notes?search=aardvark'), 200)).toEqual([]);
  });

  it('answers /links and /backlinks from note_links, leaving out archived notes', async () => {
    const [source, target, archived] = await Promise.all(
      ['Source', 'Target', 'Archived target'].map((title) => ok(world.api.post('/notes', { title }))),
    );
    await db()
      .insert(noteLinks)
      .values([
        { source_note_id: source.id, target_note_id: target.id },
        { source_note_id: source.id, target_note_id: archived.id },
      ]);
    await world.api.del(`/notes/${archived.id}`);
    expect(await ok(world.api.get(`/notes/${source.id}/links`), 200)).toEqual([
      { note_id: target.id, title: 'Target', blocksuite_doc_id: target.blocksuite_doc_id },
    ]);
    expect(await ok(world.api.get(`/notes/${target.id}/backlinks`), 200)).toEqual([
      { note_id: source.id, title: 'Source', blocksuite_doc_id: source.blocksuite_doc_id },
    ]);
    expect(await ok(world.api.get(`/notes/${target.id}/links`), 200)).toEqual([]);
  });
});

describe('topics (read-only)', () => {
  it('lists and gets topics with note_count and linked_notes of non-archived notes', async () => {
    const [alpha, beta] = await db()
      .insert(topics)
      .values([
        { user_id: world.userId, label: 'Alpha Topic', slug: 'alpha-topic' },
        { user_id: world.userId, label: 'Beta', slug: 'beta' },
      ])
      .returning();
    const [n1, n2, n3] = await Promise.all(
      ['One', 'Two', 'Three'].map((title) => ok(world.api.post('/notes', { title }))),
    );
    await db()
      .insert(noteTopics)
      .values([
        { note_id: n1.id, topic_id: alpha!.id },
        { note_id: n2.id, topic_id: alpha!.id },
        { note_id: n3.id, topic_id: alpha!.id },
      ]);
    await world.api.del(`/notes/${n3.id}`);
    const read = await ok(world.api.get(`/topics/${alpha!.id}`), 200);
    expect(read).toMatchObject({ id: alpha!.id, label: 'Alpha Topic', slug: 'alpha-topic', note_count: 2 });
    expect(read.linked_notes.map((note: { note_id: string }) => note.note_id).sort()).toEqual([n1.id, n2.id].sort());
    expect(read.linked_notes[0]).toEqual({
      note_id: expect.any(String),
      title: expect.any(String),
      created_at: expect.any(String),
    });
    const listed = await ok(world.api.get('/topics?sort=label&order=asc'), 200);
    expect(listed.map((topic: { label: string }) => topic.label)).toEqual(['Alpha Topic', 'Beta']);
    expect(listed[1]).toMatchObject({ note_count: 0, linked_notes: [] });
    expect((await ok(world.api.get('/topics?slug=beta'), 200)).map((topic: { id: string }) => topic.id)).toEqual([
      beta!.id,
    ]);
    expect((await ok(world.api.get('/topics?search=alpha'), 200)).map((topic: { id: string }) => topic.id)).toEqual([
      alpha!.id,
    ]);
  });

  it('has no write routes', async () => {
    const [topic] = await db()
      .insert(topics)
      .values({ user_id: world.userId, label: 'Gamma', slug: 'gamma' })
      .returning();
    for (const [method, path] of [
      ['POST', '/api/v1/topics'],
      ['PUT', `/api/v1/topics/${topic!.id}`],
      ['PATCH', `/api/v1/topics/${topic!.id}`],
      ['DELETE', `/api/v1/topics/${topic!.id}`],
    ] as const) {
      const response = await request(server.url, method, path, {
        token: world.user.accessToken,
        body: method === 'DELETE' ? undefined : { label: 'x', slug: 'x' },
      });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect((await ok(world.api.get(`/topics/${topic!.id}`), 200)).label).toBe('Gamma');
  });
});
