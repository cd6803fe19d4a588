// Version history end to end (docs/history-and-trash.md): versions appear while a real provider
// edits, a version reads back, a restore reaches every connected editor and brings back title
// and links, another user sees nothing, retention keeps the newest N.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteVersions } from '../../src/db/schema/index.ts';
import { fillBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import {
  recordVersion,
  takeVersionAfterStore,
  takeVersionOnStore,
  versionDue,
} from '../../src/domain/history/version-store.ts';
import type { RegisteredUser } from '../helpers/auth.ts';
import {
  connectKept,
  eventually,
  type TestProvider,
  waitAcknowledged,
  waitFor,
  waitSynced,
} from '../helpers/collab.ts';
import { request } from '../helpers/http.ts';
import type { TestServer } from '../helpers/server.ts';
import { destroyProvidersAndServer, startServerWithUsers } from '../helpers/server-with-users.ts';
import { noteOf } from '../collab/fixtures.ts';
import { contentOf, contentOfState, setFirstParagraph, setTitle } from './blocksuite-edits.ts';
import { VERSION_ON_EVERY_STORE } from './version-settings.ts';

let server: TestServer;
let alice: RegisteredUser;
let bob: RegisteredUser;
const providers: TestProvider[] = [];

interface VersionRow {
  id: string;
  title: string | null;
  source: string;
  size: number;
  stored_size: number;
  created_at: string;
}

const versionsOf = async (noteId: string, token: string, query = ''): Promise<VersionRow[]> => {
  const response = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history${query}`, { token });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.data as VersionRow[];
};

const linkTargets = async (noteId: string) =>
  (
    (await request(server.url, 'GET', `/api/v1/notes/${noteId}/links`, { token: alice.accessToken })).body
      .data as Array<{ note_id: string }>
  ).map((link) => link.note_id);

const createNote = async (title: string) => {
  const response = await request(server.url, 'POST', '/api/v1/notes', { token: alice.accessToken, body: { title } });
  expect(response.status).toBe(201);
  return response.body.data.id as string;
};

beforeAll(async () => {
  [server, alice, bob] = await startServerWithUsers(2, {
    ...VERSION_ON_EVERY_STORE,
    HISTORY_RETENTION_DAYS: '1',
    HISTORY_MIN_VERSIONS: '3',
  });
});
afterAll(() => destroyProvidersAndServer(providers, server));

describe('version history of a note edited live', () => {
  let documentName: string;
  let noteId: string;
  let first: VersionRow;
  let targetOne: string;
  let targetTwo: string;

  it('takes versions while a provider edits, and reads one back', async () => {
    targetOne = await createNote('Target One');
    targetTwo = await createNote('Target Two');
    documentName = `doc-${randomUUID()}`;
    const editor = connectKept(providers, server.collabUrl, documentName, alice.accessToken);
    await waitSynced(editor);
    fillBlockSuiteDocument(editor.doc, 'Alpha Plan', ['first words, see [[Target One]]']);
    await waitAcknowledged(editor);
    const note = await noteOf(server, documentName);
    if (!note) throw new Error('no note for the document');
    noteId = note.id;

    await eventually(
      async () => (await versionsOf(noteId, alice.accessToken)).some((version) => version.title === 'Alpha Plan'),
      15_000,
      'a version titled Alpha Plan',
    );
    const found = (await versionsOf(noteId, alice.accessToken)).find((version) => version.title === 'Alpha Plan');
    if (!found) throw new Error('no version titled Alpha Plan');
    first = found;
    expect(first.source).toBe('edit');
    expect(first.size).toBeGreaterThan(0);
    expect(first.stored_size).toBeGreaterThan(0);

    const detail = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history/${first.id}`, {
      token: alice.accessToken,
    });
    expect(detail.status).toBe(200);
    expect(detail.body.data.text).toContain('first words');
    expect(detail.body.data.snapshot.title).toBe('Alpha Plan');
    expect(detail.body.data.snapshot.blocks.some((block: { text: string }) => block.text.includes('first words'))).toBe(
      true,
    );
    const state = new Uint8Array(Buffer.from(detail.body.data.state as string, 'base64'));
    expect(state.length).toBe(first.size);
    expect(contentOfState(state)).toEqual({ title: 'Alpha Plan', text: detail.body.data.text });
    await eventually(async () => (await linkTargets(noteId)).includes(targetOne), 15_000, 'link to Target One');

    // More edits: a rename and new text linking elsewhere.
    setTitle(editor.doc, 'Beta Plan');
    setFirstParagraph(editor.doc, 'other words, see [[Target Two]]');
    await waitAcknowledged(editor);
    await eventually(
      async () => (await versionsOf(noteId, alice.accessToken)).some((version) => version.title === 'Beta Plan'),
      15_000,
      'a version titled Beta Plan',
    );
    await eventually(async () => (await linkTargets(noteId)).includes(targetTwo), 15_000, 'link to Target Two');
    const versions = await versionsOf(noteId, alice.accessToken);
    const times = versions.map((version) => Date.parse(version.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const paged = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history?per_page=1&page=2`, {
      token: alice.accessToken,
    });
    expect(paged.body.data).toHaveLength(1);
    expect(paged.body.data[0].id).toBe(versions[1]?.id);
    expect(paged.body.meta).toMatchObject({ page: 2, per_page: 1, total: versions.length });
  });

  it('restores a version from before a rename on every connected editor, with title and links', async () => {
    const editor = providers[0] as TestProvider;
    const second = connectKept(providers, server.collabUrl, documentName, alice.accessToken);
    await waitSynced(second);
    expect(contentOf(second.doc).title).toBe('Beta Plan');

    const restored = await request(server.url, 'POST', `/api/v1/notes/${noteId}/history/${first.id}/restore`, {
      token: alice.accessToken,
    });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    expect(restored.body.data.restored.id).toBe(first.id);
    expect(restored.body.data.saved).toMatchObject({ source: 'restore', title: 'Beta Plan' });

    // Title and links follow before the answer.
    const note = await request(server.url, 'GET', `/api/v1/notes/${noteId}`, { token: alice.accessToken });
    expect(note.body.data.title).toBe('Alpha Plan');
    expect(await linkTargets(noteId)).toEqual([targetOne]);

    for (const client of [editor, second]) {
      await waitFor(() => contentOf(client.doc).title === 'Alpha Plan', 10_000, 'restored title on an editor');
      expect(contentOf(client.doc).text).toContain('first words, see [[Target One]]');
      expect(contentOf(client.doc).text).not.toContain('other words');
    }

    // The editors keep editing on top of the restored content, and converge.
    setFirstParagraph(second.doc, 'after the restore');
    await waitAcknowledged(second);
    await waitFor(() => contentOf(editor.doc).text.includes('after the restore'), 10_000, 'edit after restore');

    // The replaced state is itself a version: restoring it brings the rename back.
    const saved = restored.body.data.saved.id as string;
    const back = await request(server.url, 'POST', `/api/v1/notes/${noteId}/history/${saved}/restore`, {
      token: alice.accessToken,
    });
    expect(back.status).toBe(200);
    await waitFor(() => contentOf(editor.doc).title === 'Beta Plan', 10_000, 'second restore on an editor');
    expect(contentOf(editor.doc).text).toContain('other words');
  });

  it('shows, lends and restores nothing of another user', async () => {
    const paths = [
      ['GET', `/api/v1/notes/${noteId}/history`],
      ['GET', `/api/v1/notes/${noteId}/history/${first.id}`],
      ['POST', `/api/v1/notes/${noteId}/history/${first.id}/restore`],
    ] as const;
    for (const [method, path] of paths) {
      const response = await request(server.url, method, path, { token: bob.accessToken });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
    }
    // Alice's version id under Bob's own note is no version of his either.
    const own = await request(server.url, 'POST', '/api/v1/notes', { token: bob.accessToken, body: { title: 'Bob' } });
    const crossed = await request(server.url, 'POST', `/api/v1/notes/${own.body.data.id}/history/${first.id}/restore`, {
      token: bob.accessToken,
    });
    expect(crossed.status).toBe(404);
    const malformed = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history/not-a-uuid`, {
      token: alice.accessToken,
    });
    expect(malformed.status).toBe(404);
    const badPage = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history?page=0`, {
      token: alice.accessToken,
    });
    expect(badPage.status).toBe(400);
  });
});

describe('version policy', () => {
  const policy = { enabled: true, intervalMinutes: 10, retentionDays: 1, minVersions: 3 };

  it('drops versions older than the retention except the newest HISTORY_MIN_VERSIONS', async () => {
    const { db, history } = server.server.services;
    expect(history.policy.minVersions).toBe(3);
    const noteId = await createNote(`Retention ${randomUUID()}`);
    const state = new Uint8Array([0, 0]);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const version = await recordVersion(
        db,
        { noteId, userId: alice.userId, state, title: `old ${i}`, source: 'edit' },
        { ...policy, retentionDays: 1000 },
      );
      // Oldest first: version i is (10 - i) days old.
      await db
        .update(noteVersions)
        .set({ created_at: sql`now() - make_interval(days => ${10 - i}::int)` })
        .where(eq(noteVersions.id, version.id));
      ids.push(version.id);
    }
    const fresh = await recordVersion(
      db,
      { noteId, userId: alice.userId, state, title: 'fresh', source: 'edit' },
      { ...policy, retentionDays: 1000 },
    );
    const removed = await server.server.services.retention.runOnce();
    expect(removed.note_versions).toBeGreaterThanOrEqual(4);
    const left = await db.select({ id: noteVersions.id }).from(noteVersions).where(eq(noteVersions.note_id, noteId));
    expect(new Set(left.map((row) => row.id))).toEqual(new Set([fresh.id, ids[5], ids[4]]));
    // A second run finds nothing more to drop.
    await history.prune();
    expect(await db.select().from(noteVersions).where(eq(noteVersions.note_id, noteId))).toHaveLength(3);
  });

  it('takes a version on store at most every HISTORY_INTERVAL_MINUTES, and none when HISTORY is off', async () => {
    const { db } = server.server.services;
    const noteId = await createNote(`Interval ${randomUUID()}`);
    const note = { id: noteId, user_id: alice.userId };
    const state = new Uint8Array([0, 0]);
    expect(await takeVersionOnStore(db, note, state, { ...policy, enabled: false })).toBeNull();
    expect(await versionDue(db, noteId, 10)).toBe(true);
    expect(await takeVersionOnStore(db, note, state, policy)).not.toBeNull();
    expect(await versionDue(db, noteId, 10)).toBe(false);
    expect(await takeVersionOnStore(db, note, state, policy)).toBeNull();
    expect(await takeVersionOnStore(db, note, state, { ...policy, intervalMinutes: 0 })).not.toBeNull();
  });

  it('takes one version when two stores of a note commit together (after their commits, under the row lock)', async () => {
    const { db } = server.server.services;
    const noteId = await createNote(`Racing ${randomUUID()}`);
    const note = { id: noteId, user_id: alice.userId };
    const taken = await Promise.all(
      Array.from({ length: 4 }, (_, index) => takeVersionAfterStore(db, note, new Uint8Array([0, 0, index]), policy)),
    );
    expect(taken.filter((version) => version !== null)).toHaveLength(1);
    expect(await db.select().from(noteVersions).where(eq(noteVersions.note_id, noteId))).toHaveLength(1);
    expect(await takeVersionAfterStore(db, note, new Uint8Array([0, 0]), { ...policy, enabled: false })).toBeNull();
  });
});
