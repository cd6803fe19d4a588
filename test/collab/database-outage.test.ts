// PostgreSQL goes away under a live server: nothing is acknowledged, nothing crashes, and the edits
// made meanwhile land once it is back (the providers keep them and re-send them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../helpers/auth.ts';
import {
  connectProvider,
  destroyProviders,
  eventually,
  stateText,
  type TestProvider,
  textOf,
  waitAcknowledged,
  waitSynced,
} from '../helpers/collab.ts';
import { provisionDatabase, testEngine, type ProvisionedDatabase } from '../helpers/database.ts';
import { startTestServerOn, type TestServer } from '../helpers/server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { noteOf, storedText } from './fixtures.ts';

const onPostgres = testEngine() === 'postgres';

describe('database outage', () => {
  let database: ProvisionedDatabase;
  let proxy: TcpProxy;
  let server: TestServer;
  const clients: TestProvider[] = [];

  beforeAll(async () => {
    if (!onPostgres) return;
    database = await provisionDatabase();
    const target = new URL(database.databaseUrl!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(database.databaseUrl!);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    server = await startTestServerOn(
      { ...database, databaseUrl: proxied.toString() },
      { STORE_DEBOUNCE_MS: '200', STORE_MAX_DEBOUNCE_MS: '1000' },
    );
  });
  afterAll(async () => {
    destroyProviders(clients);
    await proxy?.restore().catch(() => {});
    await server?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it.runIf(onPostgres)(
    'withholds acknowledgements while PostgreSQL is unreachable and lands the edits when it is back',
    { timeout: 120_000 },
    async () => {
      const user = await registerUser(server.url);
      const editor = connectProvider(server.collabUrl, 'outage-doc', user.accessToken);
      const watcher = connectProvider(server.collabUrl, 'outage-doc', user.accessToken);
      clients.push(editor, watcher);
      await Promise.all([waitSynced(editor), waitSynced(watcher)]);
      editor.doc.getText('text').insert(0, 'before. ');
      await waitAcknowledged(editor);
      const note = await noteOf(server, 'outage-doc');

      await proxy.cut();
      editor.doc.getText('text').insert(editor.doc.getText('text').length, 'during the outage.');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(editor.provider.unsyncedChanges).toBeGreaterThan(0);
      // The edit reached the server's memory (and perhaps the watcher) but not the log: the server
      // discarded its copy and closed every socket of the document, so both clients reconnect to a
      // copy loaded from the database and re-send what it lacks.
      expect(watcher.closes.some((close) => close.code === 4503)).toBe(true);
      // The server is up: it answers, it is just not ready.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      // The socket was closed with "reconnect later", never with a permission refusal.
      expect(editor.closes.some((close) => close.code === 4503)).toBe(true);
      expect(editor.denials).toEqual([]);

      await proxy.restore();
      await eventually(
        async () => (await storedText(server, note!.id).catch(() => '')) === 'before. during the outage.',
        60_000,
        'the edit to land',
      );
      await waitAcknowledged(editor, 30_000);
      await eventually(
        async () => textOf(watcher.doc) === 'before. during the outage.',
        30_000,
        'the watcher to see it',
      );
      // Once the editors leave, the document is folded on its own: nothing of the outage is left
      // in the log. (Whether a store fell inside the outage, to be retried, is down to timing: a
      // later store that succeeds supersedes its retry, and stores leave a short log unfolded.)
      destroyProviders(clients);
      await eventually(
        async () => {
          const state = await server.server.services.documents.loadState(note!.id);
          return (
            state !== null &&
            state.log.length === 0 &&
            state.stored !== null &&
            stateText(state.stored) === 'before. during the outage.'
          );
        },
        60_000,
        'the compaction retry',
      );
    },
  );
});
