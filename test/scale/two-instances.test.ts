// Two server processes, one PostgreSQL, one Redis: editors on different instances share a
// document live, every update is logged exactly once (by the instance its client sent it to), and
// an instance that only receives relays still compacts. Two processes can only share PostgreSQL
// (PGlite is one process's database), so these run on PostgreSQL only.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { registerUser } from '../helpers/auth.ts';
import {
  connectKept,
  destroyProviders,
  eventually,
  textOf,
  waitAcknowledged,
  waitFor,
  waitSynced,
  type TestProvider,
} from '../helpers/collab.ts';
import { holdLogAppends, testEngine } from '../helpers/database.ts';
import { request } from '../helpers/http.ts';
import { logLength, metric, noteIdOf, REDIS_URL, startCluster, storedDoc, type Cluster } from './cluster.ts';

const onPostgres = testEngine() === 'postgres';
// Nothing compacts during a test unless it asks to, so the log can be counted.
const NO_COMPACTION = { STORE_DEBOUNCE_MS: '600000', STORE_MAX_DEBOUNCE_MS: '600000' };

let cluster: Cluster | undefined;
const clients: TestProvider[] = [];
afterEach(async () => {
  destroyProviders(clients);
  await cluster?.destroy();
  cluster = undefined;
});

const connect = (collabUrl: string, name: string, token: string) =>
  connectKept(clients, collabUrl, name, token, { awareness: false });

const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();

describe.runIf(onPostgres)('two instances through Redis', () => {
  it('providers on each instance converge, and the log holds each update exactly once', {
    timeout: 180_000,
  }, async () => {
    cluster = await startCluster(2, 'converge', NO_COMPACTION);
    const [a, b] = cluster.instances as [NonNullable<Cluster['instances'][0]>, NonNullable<Cluster['instances'][0]>];
    const user = await registerUser(a.url);
    const onA = [connect(a.collabUrl, 'shared', user.accessToken), connect(a.collabUrl, 'shared', user.accessToken)];
    const onB = [connect(b.collabUrl, 'shared', user.accessToken), connect(b.collabUrl, 'shared', user.accessToken)];
    const everyone = [...onA, ...onB];
    await Promise.all(everyone.map((client) => waitSynced(client, 30_000)));

    const EDITS = 10;
    await Promise.all(
      everyone.map(async (client, index) => {
        for (let edit = 0; edit < EDITS; edit += 1) {
          client.doc.getArray<string>('edits').push([`c${index}-e${edit}`]);
          await waitAcknowledged(client, 30_000);
        }
      }),
    );
    const expected = everyone
      .flatMap((_, index) => Array.from({ length: EDITS }, (__, edit) => `c${index}-e${edit}`))
      .sort();
    const editsOf = (doc: Y.Doc) => doc.getArray<string>('edits').toArray().slice().sort();
    await waitFor(
      () => everyone.every((client) => JSON.stringify(editsOf(client.doc)) === JSON.stringify(expected)),
      30_000,
      'every client to see every edit',
    );
    const order = JSON.stringify(everyone[0]!.doc.getArray('edits').toArray());
    expect(everyone.every((client) => JSON.stringify(client.doc.getArray('edits').toArray()) === order)).toBe(true);

    const noteId = (await noteIdOf(cluster.db, 'shared'))!;
    // One row per edit: a relayed copy is never logged again by the instance that receives it.
    expect(await logLength(cluster.db, noteId)).toBe(everyone.length * EDITS);
    expect(editsOf(await storedDoc(cluster.db, noteId))).toEqual(expected);

    // Each instance logged exactly what its own clients sent, and applied the other's too.
    const [metricsA, metricsB] = await Promise.all([scrape(a.url), scrape(b.url)]);
    for (const text of [metricsA, metricsB]) {
      expect(metric(text, 'collab_updates_received_total')).toBe(onA.length * EDITS);
      expect(metric(text, 'collab_updates_logged_total')).toBe(onA.length * EDITS);
      expect(metric(text, 'collab_updates_applied_total')).toBeGreaterThan(onA.length * EDITS);
      expect(metric(text, 'collab_open_connections')).toBe(2);
      expect(metric(text, 'collab_loaded_documents')).toBe(1);
      expect(metric(text, 'collab_update_log_entries')).toBe(everyone.length * EDITS);
    }
  });

  it('an edit reaches the other instance only once it is in the log; its own instance shows it at once', {
    timeout: 180_000,
  }, async () => {
    cluster = await startCluster(2, 'durable-relay', NO_COMPACTION);
    const [a, b] = cluster.instances as [NonNullable<Cluster['instances'][0]>, NonNullable<Cluster['instances'][0]>];
    const user = await registerUser(a.url);
    const writer = connect(a.collabUrl, 'durable-relay', user.accessToken);
    const besideWriter = connect(a.collabUrl, 'durable-relay', user.accessToken);
    const elsewhere = connect(b.collabUrl, 'durable-relay', user.accessToken);
    await Promise.all([writer, besideWriter, elsewhere].map((client) => waitSynced(client, 30_000)));
    writer.doc.getText('text').insert(0, 'first ');
    await waitAcknowledged(writer, 30_000);
    await waitFor(() => textOf(elsewhere.doc) === 'first ', 30_000, 'the first edit on the other instance');

    // Hold every append: the test's own transaction locks the log against inserts.
    const release = await holdLogAppends(cluster.db.db);
    try {
      writer.doc.getText('text').insert(textOf(writer.doc).length, 'second');
      await waitFor(() => textOf(besideWriter.doc) === 'first second', 10_000, 'the client beside the writer');
      // Far longer than a relay hop takes: the other instance is kept out until the commit.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(textOf(elsewhere.doc)).toBe('first ');
      expect(writer.provider.unsyncedChanges).toBeGreaterThan(0);
    } finally {
      await release();
    }
    await waitAcknowledged(writer, 30_000);
    await waitFor(() => textOf(elsewhere.doc) === 'first second', 30_000, 'the second edit on the other instance');
    expect(await logLength(cluster.db, (await noteIdOf(cluster.db, 'durable-relay'))!)).toBe(2);
  });

  it('an instance that only relays a document compacts it when the instance that logged the edits does not', {
    timeout: 180_000,
  }, async () => {
    // A never compacts within the test; B compacts quickly, though its clients only watch.
    cluster = await startCluster(1, 'relay-compaction', NO_COMPACTION);
    const a = cluster.instances[0]!;
    const b = await cluster.spawn({ STORE_DEBOUNCE_MS: '200', STORE_MAX_DEBOUNCE_MS: '1000' });
    const user = await registerUser(a.url);
    const writer = connect(a.collabUrl, 'relayed-only', user.accessToken);
    const watcher = connect(b.collabUrl, 'relayed-only', user.accessToken);
    await Promise.all([waitSynced(writer, 30_000), waitSynced(watcher, 30_000)]);
    for (const word of ['one ', 'two ', 'three']) {
      writer.doc.getText('text').insert(writer.doc.getText('text').length, word);
      await waitAcknowledged(writer, 30_000);
    }
    await waitFor(() => textOf(watcher.doc) === 'one two three', 30_000, 'the watcher to see the edits');
    const noteId = (await noteIdOf(cluster.db, 'relayed-only'))!;
    await eventually(async () => (await logLength(cluster!.db, noteId)) === 0, 30_000, 'B to compact the log');
    expect(textOf(await storedDoc(cluster.db, noteId))).toBe('one two three');
    expect(metric(await scrape(b.url), 'collab_updates_logged_total')).toBe(0);
    expect(metric(await scrape(b.url), 'collab_store_duration_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('a REST document write on one instance reaches editors on the other at once', { timeout: 180_000 }, async () => {
    cluster = await startCluster(2, 'rest-relay', NO_COMPACTION);
    const [a, b] = cluster.instances as [NonNullable<Cluster['instances'][0]>, NonNullable<Cluster['instances'][0]>];
    const user = await registerUser(a.url);
    const editor = connect(b.collabUrl, 'rest-doc', user.accessToken);
    await waitSynced(editor, 30_000);
    editor.doc.getText('text').insert(0, 'socket. ');
    await waitAcknowledged(editor, 30_000);
    const noteId = (await noteIdOf(cluster.db, 'rest-doc'))!;

    // A does not hold the document: the write is logged there and relayed to B's editors.
    const own = new Y.Doc();
    own.getText('text').insert(0, 'rest. ');
    const response = await request(a.url, 'POST', `/api/v1/notes/${noteId}/doc`, {
      token: user.accessToken,
      body: { update: Buffer.from(Y.encodeStateAsUpdate(own)).toString('base64') },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    await waitFor(() => textOf(editor.doc).includes('rest. '), 10_000, 'the editor on B to see the REST write');
    expect(await logLength(cluster.db, noteId)).toBe(2);
  });

  it('a session logged out on one instance stops editing on the other within the re-authentication interval', {
    timeout: 180_000,
  }, async () => {
    cluster = await startCluster(2, 'reauth', { ...NO_COMPACTION, COLLAB_REAUTH_INTERVAL_MS: '300' });
    const [a, b] = cluster.instances as [NonNullable<Cluster['instances'][0]>, NonNullable<Cluster['instances'][0]>];
    const user = await registerUser(a.url);
    const editor = connect(b.collabUrl, 'reauth-doc', user.accessToken);
    await waitSynced(editor, 30_000);
    editor.doc.getText('text').insert(0, 'before');
    await waitAcknowledged(editor, 30_000);

    const loggedOutAt = Date.now();
    expect((await request(a.url, 'POST', '/api/v1/auth/logout', { token: user.accessToken })).status).toBe(204);
    await waitFor(() => editor.closes.some((close) => close.code === 4401), 10_000, 'B to close the socket (4401)');
    expect(Date.now() - loggedOutAt).toBeLessThan(5000);
    editor.doc.getText('text').insert(0, 'after ');
    await waitFor(() => editor.denials.includes('permission-denied'), 10_000, 'the refused reconnect');
    const noteId = (await noteIdOf(cluster.db, 'reauth-doc'))!;
    expect(textOf(await storedDoc(cluster.db, noteId))).toBe('before');
  });

  it('edits published while an instance was cut off from Redis reach it once it reconnects', {
    timeout: 180_000,
  }, async () => {
    cluster = await startCluster(2, 'reconnect', NO_COMPACTION);
    const [a, b] = cluster.instances as [NonNullable<Cluster['instances'][0]>, NonNullable<Cluster['instances'][0]>];
    const user = await registerUser(a.url);
    const writer = connect(a.collabUrl, 'cut-off', user.accessToken);
    const reader = connect(b.collabUrl, 'cut-off', user.accessToken);
    await Promise.all([waitSynced(writer, 30_000), waitSynced(reader, 30_000)]);
    writer.doc.getText('text').insert(0, 'before. ');
    await waitFor(() => textOf(reader.doc) === 'before. ', 10_000, 'the first edit to be relayed');

    // B's subscriber connection is killed over and over while A's client types: what A publishes
    // meanwhile never reaches B (Redis pub/sub keeps nothing for an absent subscriber).
    const admin = new Redis(REDIS_URL);
    const subscriberOfB = async () => {
      const list = (await admin.client('LIST')) as string;
      return list
        .split('\n')
        .filter(
          (line) =>
            line.includes(`name=framelord-relay-${b.child.pid} `) && !/ sub=0 /.test(line) && / sub=\d+ /.test(line),
        );
    };
    try {
      let cutting = true;
      const cutter = (async () => {
        while (cutting) {
          for (const line of await subscriberOfB()) await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let edit = 0; edit < 5; edit += 1) {
        writer.doc.getText('text').insert(writer.doc.getText('text').length, `cut${edit}. `);
        await waitAcknowledged(writer, 30_000);
      }
      cutting = false;
      await cutter;
      const reconnectedAt = Date.now();
      // Well before the periodic repair (5 s after the first change): the reconnect re-syncs.
      await waitFor(() => textOf(reader.doc) === textOf(writer.doc), 4000, 'B to catch up after its reconnect');
      expect(Date.now() - reconnectedAt).toBeLessThan(4000);
      expect(textOf(reader.doc)).toBe('before. cut0. cut1. cut2. cut3. cut4. ');
      // The cutter's last kill can land after B re-subscribed and caught up; B then reconnects once
      // more. What must hold is that it comes back, on exactly one subscribing connection.
      await eventually(
        async () => (await subscriberOfB()).length === 1,
        4000,
        'B to hold exactly one subscribing connection',
      );
    } finally {
      admin.disconnect();
    }
  });

  it('login throttling counts failures on every instance together (counters in Redis)', {
    timeout: 180_000,
  }, async () => {
    cluster = await startCluster(2, 'throttle', {
      RATE_LIMITS: 'on',
      RATE_LIMIT_LOGIN_PER_EMAIL: '3',
      RATE_LIMIT_LOGIN_PER_IP: '1000',
    });
    const [a, b] = cluster.instances as [NonNullable<Cluster['instances'][0]>, NonNullable<Cluster['instances'][0]>];
    const user = await registerUser(a.url);
    const attempt = (url: string) =>
      request(url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: 'wrong password' } });
    expect((await attempt(a.url)).status).toBe(401);
    expect((await attempt(b.url)).status).toBe(401);
    expect((await attempt(a.url)).status).toBe(401);
    // The fourth failure would be the second on B alone: only a shared counter refuses it.
    const refused = await attempt(b.url);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
  });
});

// vitest reports a file without tests as a failure; say why this one is empty on PGlite.
describe.runIf(!onPostgres)('two instances through Redis (PGlite)', () => {
  it('needs PostgreSQL: PGlite is one process’s database, two instances cannot share it', () => {
    expect(testEngine()).toBe('pglite');
  });
});
