// A restore on one instance reaches editors on another (docs/history-and-trash.md): the forward
// update goes through the document service like any edit, so the Redis relay carries it. Two
// processes can only share PostgreSQL, so this runs on PostgreSQL only.
import { afterAll, describe, expect, it } from 'vitest';
import { fillBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { registerUser } from '../helpers/auth.ts';
import {
  connectKept,
  destroyProviders,
  eventually,
  type TestProvider,
  waitAcknowledged,
  waitFor,
  waitSynced,
} from '../helpers/collab.ts';
import { testEngine } from '../helpers/database.ts';
import { request } from '../helpers/http.ts';
import { noteIdOf, startCluster, type Cluster } from '../scale/cluster.ts';
import { contentOf, setFirstParagraph, setTitle } from './blocksuite-edits.ts';
import { VERSION_ON_EVERY_STORE } from './version-settings.ts';

const onPostgres = testEngine() === 'postgres';
let cluster: Cluster | undefined;
const clients: TestProvider[] = [];

afterAll(async () => {
  destroyProviders(clients);
  await cluster?.destroy();
});

describe.runIf(onPostgres)('restore across two instances', () => {
  it('editors on both instances converge on the restored version', { timeout: 180_000 }, async () => {
    cluster = await startCluster(2, 'restore', VERSION_ON_EVERY_STORE);
    const [a, b] = cluster.instances as [NonNullable<Cluster['instances'][0]>, NonNullable<Cluster['instances'][0]>];
    const user = await registerUser(a.url);
    const onA = connectKept(clients, a.collabUrl, 'restored-doc', user.accessToken, { awareness: false });
    await waitSynced(onA, 30_000);
    fillBlockSuiteDocument(onA.doc, 'First Title', ['the first text']);
    await waitAcknowledged(onA, 30_000);
    const noteId = await noteIdOf(cluster.db, 'restored-doc');
    if (!noteId) throw new Error('no note for the document');
    const versions = async () =>
      (await request(a.url, 'GET', `/api/v1/notes/${noteId}/history`, { token: user.accessToken })).body.data as Array<{
        id: string;
        title: string;
      }>;
    await eventually(async () => (await versions()).some((v) => v.title === 'First Title'), 30_000, 'first version');
    const first = (await versions()).find((v) => v.title === 'First Title');

    setTitle(onA.doc, 'Second Title');
    setFirstParagraph(onA.doc, 'the second text');
    await waitAcknowledged(onA, 30_000);
    const onB = connectKept(clients, b.collabUrl, 'restored-doc', user.accessToken, { awareness: false });
    await waitSynced(onB, 30_000);
    await waitFor(() => contentOf(onB.doc).title === 'Second Title', 30_000, 'B to hold the rename');

    // Restored through instance B: A's editor learns it only through the relay.
    const restored = await request(b.url, 'POST', `/api/v1/notes/${noteId}/history/${first?.id}/restore`, {
      token: user.accessToken,
    });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    for (const client of [onA, onB]) {
      await waitFor(() => contentOf(client.doc).title === 'First Title', 30_000, 'the restored title');
      expect(contentOf(client.doc).text).toContain('the first text');
      expect(contentOf(client.doc).text).not.toContain('the second text');
    }
    const note = await request(a.url, 'GET', `/api/v1/notes/${noteId}`, { token: user.accessToken });
    expect(note.body.data.title).toBe('First Title');
  });
});
