// The Redis relay (src/collab/redis-relay.ts, wire format src/collab/relay-wire.ts) seen from a
// peer: one real server with REDIS_URL and its own key prefix, and the test playing another
// instance on raw Redis. The peer's bytes are written here by hand, in the format
// @hocuspocus/extension-redis 4.7 used, so a change of the format fails here (instances of two
// releases must relay to each other during a rolling upgrade). Runs on both engines.
// test/scale/two-instances.test.ts covers two real instances (convergence, logging once,
// durability, REST writes, reconnects).
import { count, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { MessageType, SyncStep } from '../../src/collab/frames.ts';
import { decodeRelayMessage } from '../../src/collab/relay-wire.ts';
import { notes, noteUpdates } from '../../src/db/schema/index.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import {
  connectKept,
  destroyProviders,
  rawCollabClient,
  type TestProvider,
  textOf,
  waitAcknowledged,
  waitFor,
  waitSynced,
} from '../helpers/collab.ts';
import { holdLogAppends } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { deleteRedisKeys, REDIS_URL, uniquePrefix } from '../scale/cluster.ts';
import {
  amplifiedUpdate,
  heldBackUpdate,
  LONG_ARRAY_LAST,
  sendAwaitingAck,
  sendLongArray,
} from './amplified-update.ts';

const PEER = 'test-peer';
// The protocol's numbers, as the server reads them.
const { Sync: SYNC, Awareness: AWARENESS, SyncReply: SYNC_REPLY } = MessageType;
const { Step1: STEP1, Step2: STEP2, Update: UPDATE } = SyncStep;

let server: TestServer;
let prefix: string;
let user: RegisteredUser;
let publisher: Redis;
let subscriber: Redis;
const clients: TestProvider[] = [];
/** Everything the peer received: channel and raw message. */
const received: Array<{ channel: string; data: Buffer }> = [];

beforeAll(async () => {
  prefix = uniquePrefix('relay');
  server = await startTestServer({
    REDIS_URL,
    REDIS_PREFIX: prefix,
    STORE_DEBOUNCE_MS: '600000',
    STORE_MAX_DEBOUNCE_MS: '600000',
  });
  user = await registerUser(server.url);
  publisher = new Redis(REDIS_URL);
  subscriber = new Redis(REDIS_URL);
  subscriber.on('messageBuffer', (channel: Buffer, data: Buffer) =>
    received.push({ channel: channel.toString(), data }),
  );
  await subscriber.subscribe(`${prefix}:collab#reply:${PEER}`);
});
afterAll(async () => {
  destroyProviders(clients);
  publisher?.disconnect();
  subscriber?.disconnect();
  await server?.destroy();
  if (prefix) await deleteRedisKeys(prefix);
});

const connect = (name: string, awareness = false) =>
  connectKept(clients, server.collabUrl, name, user.accessToken, { awareness });

/** [identifier length][identifier][document name][type][body]: the peer's message. */
function peerMessage(documentName: string, writeBody: (encoder: encoding.Encoder) => void, sender = PEER): Buffer {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, documentName);
  writeBody(encoder);
  const id = Buffer.from(sender);
  return Buffer.concat([Buffer.from([id.length]), id, encoding.toUint8Array(encoder)]);
}

const updateMessage = (documentName: string, update: Uint8Array) =>
  peerMessage(documentName, (encoder) => {
    encoding.writeVarUint(encoder, SYNC);
    encoding.writeVarUint(encoder, UPDATE);
    encoding.writeVarUint8Array(encoder, update);
  });

/** An update that appends `text` to whatever the document holds (a fresh client, so it never conflicts). */
function insertion(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

interface ReadMessage {
  channel: string;
  sender: string;
  documentName: string;
  type: number;
  step?: number;
  payload?: Uint8Array;
}

function read({ channel, data }: { channel: string; data: Buffer }): ReadMessage {
  const length = data[0]!;
  const decoder = decoding.createDecoder(data.subarray(1 + length));
  const documentName = decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  const message: ReadMessage = { channel, sender: data.subarray(1, 1 + length).toString(), documentName, type };
  if (type === SYNC || type === SYNC_REPLY) {
    message.step = decoding.readVarUint(decoder);
    message.payload = decoding.readVarUint8Array(decoder);
  } else if (type === AWARENESS) {
    message.payload = decoding.readVarUint8Array(decoder);
  }
  return message;
}

describe('the Redis relay, seen from a peer instance', () => {
  it('applies a peer’s update from its document’s channel only: not another prefix’s, not one naming another document', async () => {
    const editor = connect('relay-prefix');
    // Held here too, so that its channel is one the server listens to.
    const beside = connect('relay-beside');
    await Promise.all([waitSynced(editor), waitSynced(beside)]);
    // Another deployment on the same Redis, a prefix that merely starts with ours, and a frame
    // that names our document on another document's channel: all three must be ignored.
    await publisher.publish(
      `${prefix}-other:collab:relay-prefix`,
      updateMessage('relay-prefix', insertion('other-prefix ')),
    );
    await publisher.publish(
      `other-${prefix}:collab:relay-prefix`,
      updateMessage('relay-prefix', insertion('foreign ')),
    );
    await publisher.publish(`${prefix}:collab:relay-beside`, updateMessage('relay-prefix', insertion('misaddressed ')));
    // Redis delivers one connection's messages in order: once this one is shown, the others were read.
    await publisher.publish(`${prefix}:collab:relay-prefix`, updateMessage('relay-prefix', insertion('ours ')));
    await waitFor(() => textOf(editor.doc).includes('ours '), 10_000, 'the peer’s update on our channel');
    expect(textOf(editor.doc)).toBe('ours ');
    expect(textOf(beside.doc)).toBe('');
    // Relayed, so not logged again here: the instance that sent it logged it.
    const [row] = await server.server.services.db
      .select({ entries: count() })
      .from(noteUpdates)
      .innerJoin(notes, eq(notes.id, noteUpdates.note_id))
      .where(eq(notes.blocksuite_doc_id, 'relay-prefix'));
    expect(row?.entries).toBe(0);
  });

  it('answers a peer’s state request on the peer’s reply channel only, once the content is in the log', async () => {
    const editor = connect('relay-answer');
    // Sees what the server applied: an edit it shows was applied there, its append under way.
    const beside = connect('relay-answer');
    await Promise.all([waitSynced(editor), waitSynced(beside)]);
    await subscriber.subscribe(`${prefix}:collab:relay-answer`);
    editor.doc.getText('text').insert(0, 'logged. ');
    await waitAcknowledged(editor);

    let released = false;
    const release = await holdLogAppends(server.server.services.db);
    try {
      editor.doc.getText('text').insert(textOf(editor.doc).length, 'held.');
      await waitFor(() => textOf(beside.doc) === 'logged. held.', 10_000, 'the server to apply the edit');
      expect(editor.provider.unsyncedChanges).toBeGreaterThan(0);
      const request = peerMessage('relay-answer', (encoder) => {
        encoding.writeVarUint(encoder, SYNC);
        encoding.writeVarUint(encoder, STEP1);
        encoding.writeVarUint8Array(encoder, Y.encodeStateVector(new Y.Doc()));
      });
      await publisher.publish(`${prefix}:collab:relay-answer`, request);
      // Far longer than an answer takes: it must wait for the held append's commit.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(received.map(read).filter((message) => message.step === STEP2)).toEqual([]);
    } finally {
      released = true;
      await release();
    }
    await waitFor(
      () => received.map(read).some((message) => message.step === STEP2),
      10_000,
      'the answer to the state request',
    );
    expect(released).toBe(true);
    const messages = received.map(read).filter((message) => message.documentName === 'relay-answer');
    // A step 2 for our (empty) state vector, and a step 1 asking what we have that it lacks, both
    // to the peer alone: a step 2 computed for one state vector would corrupt another instance.
    const answers = messages.filter((message) => message.channel === `${prefix}:collab#reply:${PEER}`);
    expect(answers.map(({ type, step }) => [type, step]).sort()).toEqual([
      [SYNC, STEP2],
      [SYNC_REPLY, STEP1],
    ]);
    expect(messages.filter((message) => message.step === STEP2 && !answers.includes(message))).toEqual([]);
    const answer = answers.find((message) => message.step === STEP2)!;
    expect(answer.documentName).toBe('relay-answer');
    const copy = new Y.Doc();
    Y.applyUpdate(copy, answer.payload!);
    expect(textOf(copy)).toBe('logged. held.');
    // The edit itself went out on the document's channel too, once committed.
    await waitFor(
      () =>
        received
          .map(read)
          .some((message) => message.channel === `${prefix}:collab:relay-answer` && message.step === UPDATE),
      10_000,
      'the published update',
    );
    await subscriber.unsubscribe(`${prefix}:collab:relay-answer`);
  });

  it('publishes the updates a commit covers once it is committed, every one and in order', async () => {
    const editor = connect('relay-batch');
    const beside = connect('relay-batch');
    await Promise.all([waitSynced(editor), waitSynced(beside)]);
    await subscriber.subscribe(`${prefix}:collab:relay-batch`);
    const published = () =>
      received
        .map(read)
        .filter((message) => message.channel === `${prefix}:collab:relay-batch` && message.step === UPDATE);
    const release = await holdLogAppends(server.server.services.db);
    try {
      // One transaction each, so one message and one append each, all waiting for the same lock.
      for (let index = 0; index < 6; index += 1) editor.doc.getText('text').insert(index * 2, `${index}.`);
      await waitFor(() => textOf(beside.doc) === '0.1.2.3.4.5.', 10_000, 'the server to apply the edits');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Nothing leaves before it is in the log.
      expect(published()).toEqual([]);
    } finally {
      await release();
    }
    await waitAcknowledged(editor);
    await waitFor(() => published().length >= 6, 10_000, 'the published updates');
    // Applied in the order they arrived, each finds what it builds on already there.
    const copy = new Y.Doc();
    for (const message of published()) {
      Y.applyUpdate(copy, message.payload!);
      expect(copy.store.pendingStructs).toBeNull();
    }
    expect(textOf(copy)).toBe('0.1.2.3.4.5.');
    await subscriber.unsubscribe(`${prefix}:collab:relay-batch`);
  });

  it('discards its copy rather than integrate a peer’s update that releases a held-back half here (integration cost)', async () => {
    const name = 'relay-costly';
    const attacker = await rawCollabClient(server.collabUrl);
    expect(await attacker.authenticate(name, user.accessToken)).toBe('authenticated');
    expect(await sendLongArray(attacker, name)).toBe(true);
    // The held-back half, sent here: nothing to place yet, so it passes and is logged.
    expect(await sendAwaitingAck(attacker, name, heldBackUpdate(20, 8_000_000))).toBe(true);
    // Its release, relayed by an instance that checked it against its own copy, which lacked the
    // held-back half: here Yjs would place the 20 held-back items, each scanning all 150 000.
    await publisher.publish(
      `${prefix}:collab:${name}`,
      updateMessage(name, amplifiedUpdate(1, 8_000_000, LONG_ARRAY_LAST)),
    );
    const closed = await Promise.race([
      attacker.closed,
      new Promise((resolve) => setTimeout(() => resolve('still open: the release was integrated'), 20_000)),
    ]);
    expect(closed).toEqual({ code: 4413, reason: 'Document too costly to integrate' });
    expect(server.logs.text()).toContain('relayed update too costly to integrate');

    // Reconnecting loads the copy from the log (the release was never logged here), which follows
    // the log and its peers again.
    const editor = connect(name);
    await waitSynced(editor, 30_000);
    expect(editor.doc.getArray('a').length).toBe(150_000);
    editor.doc.getText('text').insert(0, 'still editable. ');
    await waitAcknowledged(editor);
    await publisher.publish(`${prefix}:collab:${name}`, updateMessage(name, insertion('relayed.')));
    await waitFor(() => textOf(editor.doc).includes('relayed.'), 10_000, 'an ordinary relayed update');
  });

  it('relays awareness both ways: a client’s cursor out, a peer’s cursor in', async () => {
    const editor = connect('relay-awareness', true);
    await waitSynced(editor);
    await subscriber.subscribe(`${prefix}:collab:relay-awareness`);
    received.length = 0;
    editor.provider.awareness!.setLocalStateField('user', { name: 'Ada' });
    const mine = editor.provider.awareness!.clientID;
    const seen = new Awareness(new Y.Doc());
    await waitFor(
      () => {
        for (const message of received.map(read)) {
          if (message.type === AWARENESS && message.channel === `${prefix}:collab:relay-awareness`)
            applyAwarenessUpdate(seen, message.payload!, 'peer');
        }
        return (seen.getStates().get(mine) as { user?: { name: string } } | undefined)?.user?.name === 'Ada';
      },
      10_000,
      'the client’s awareness on the document’s channel',
    );

    const peerDoc = new Y.Doc();
    const peer = new Awareness(peerDoc);
    peer.setLocalStateField('user', { name: 'Grace' });
    await publisher.publish(
      `${prefix}:collab:relay-awareness`,
      peerMessage('relay-awareness', (encoder) => {
        encoding.writeVarUint(encoder, AWARENESS);
        encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(peer, [peerDoc.clientID]));
      }),
    );
    await waitFor(
      () =>
        (editor.provider.awareness!.getStates().get(peerDoc.clientID) as { user?: { name: string } } | undefined)?.user
          ?.name === 'Grace',
      10_000,
      'the peer’s awareness at the client',
    );
    // Never echoed: the peer's state reached every instance on that channel already. An echo would
    // go out before this later change of the client's, so once that is read, so would an echo be.
    editor.provider.awareness!.setLocalStateField('user', { name: 'Ada Lovelace' });
    await waitFor(
      () => {
        for (const message of received.map(read)) {
          if (message.type === AWARENESS && message.sender !== PEER)
            applyAwarenessUpdate(seen, message.payload!, 'peer');
        }
        return (seen.getStates().get(mine) as { user?: { name: string } } | undefined)?.user?.name === 'Ada Lovelace';
      },
      10_000,
      'the client’s later awareness change',
    );
    const echoed = received
      .map(read)
      .filter((message) => message.type === AWARENESS && message.sender !== PEER)
      .some((message) => {
        const scratch = new Awareness(new Y.Doc());
        applyAwarenessUpdate(scratch, message.payload!, null);
        return scratch.getStates().has(peerDoc.clientID);
      });
    expect(echoed).toBe(false);
    await subscriber.unsubscribe(`${prefix}:collab:relay-awareness`);
  });
});

describe('relay wire format', () => {
  it('reads what a peer may send and nothing else', () => {
    const update = insertion('x');
    expect(decodeRelayMessage(updateMessage('doc', update))).toMatchObject({
      sender: PEER,
      documentName: 'doc',
      kind: 'state',
    });
    const typed = (type: number, ...body: number[]) =>
      decodeRelayMessage(
        peerMessage('doc', (encoder) => {
          encoding.writeVarUint(encoder, type);
          for (const value of body) encoding.writeVarUint(encoder, value);
        }),
      )?.kind ?? null;
    expect(typed(SYNC, STEP1)).toBe('state-request');
    expect(typed(SYNC_REPLY, STEP1)).toBe('state-request');
    expect(typed(SYNC, STEP2)).toBe('state');
    expect(typed(AWARENESS)).toBe('awareness');
    expect(typed(3)).toBe('awareness-request');
    // Auth, Stateless, BroadcastStateless, Close, an unknown sync step: never from a peer.
    for (const type of [2, 5, 6, 7, 99]) expect(typed(type)).toBeNull();
    expect(typed(SYNC, 9)).toBeNull();
    expect(decodeRelayMessage(new Uint8Array())).toBeNull();
    expect(decodeRelayMessage(new Uint8Array([0, 1, 2]))).toBeNull();
    expect(decodeRelayMessage(new Uint8Array([5, 1, 2]))).toBeNull();
    expect(decodeRelayMessage(peerMessage('doc', () => {}))).toBeNull();
  });
});
