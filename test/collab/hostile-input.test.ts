import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import {
  connectProvider,
  rawCollabClient,
  textOf,
  waitAcknowledged,
  waitFor,
  waitSynced,
  type TestProvider,
} from '../helpers/collab.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { noteOf, storedBytes, storedText } from './fixtures.ts';

const DOC = 'hostile-doc';
const MAX_MESSAGE_BYTES = 65_536;
const MAX_DOCUMENT_BYTES = 30_000;

let server: TestServer;
let user: RegisteredUser;
let keeper: TestProvider;
let noteId: string;
let keeperEdits = 0;

function frame(write: (encoder: encoding.Encoder) => void, documentName = DOC): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, documentName);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

function realUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

const hostileFrames: Array<[string, () => Uint8Array | string, { code: number; reason?: string }]> = [
  [
    'a truncated update (content cut short)',
    () =>
      frame((e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarUint(e, 2);
        encoding.writeVarUint8Array(e, realUpdate('truncated').slice(0, 12));
      }),
    { code: 4400, reason: 'Malformed message' },
  ],
  [
    'an update whose length prefix runs past the frame',
    () =>
      frame((e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarUint(e, 2);
        encoding.writeVarUint(e, 500);
        encoding.writeUint8Array(e, realUpdate('short'));
      }),
    { code: 4400 },
  ],
  ['a bad varint', () => new Uint8Array(12).fill(0xff), { code: 4400 }],
  ['an unknown message type', () => frame((e) => encoding.writeVarUint(e, 99)), { code: 4400 }],
  [
    'an unknown sync step',
    () =>
      frame((e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarUint(e, 7);
        encoding.writeVarUint8Array(e, new Uint8Array([0, 0]));
      }),
    { code: 4400 },
  ],
  [
    'a server-only broadcast message',
    () =>
      frame((e) => {
        encoding.writeVarUint(e, 6);
        encoding.writeVarString(e, 'spoof');
      }),
    { code: 4400 },
  ],
  [
    'awareness that is not JSON',
    () =>
      frame((e) => {
        encoding.writeVarUint(e, 1);
        const inner = encoding.createEncoder();
        encoding.writeVarUint(inner, 1);
        encoding.writeVarUint(inner, 42);
        encoding.writeVarUint(inner, 1);
        encoding.writeVarString(inner, '{not json');
        encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
      }),
    { code: 4400 },
  ],
  [
    'an oversized frame',
    () =>
      frame((e) => {
        encoding.writeVarUint(e, 0);
        encoding.writeVarUint(e, 2);
        encoding.writeVarUint8Array(e, new Uint8Array(MAX_MESSAGE_BYTES + 10));
      }),
    { code: 1009 },
  ],
  ['a text frame', () => 'hello', { code: 1003 }],
];

beforeAll(async () => {
  server = await startTestServer({
    RATE_LIMITS: 'on',
    RATE_LIMIT_COLLAB_MESSAGES_PER_SECOND: '50',
    MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES),
    STORE_DEBOUNCE_MS: '60000',
    STORE_MAX_DEBOUNCE_MS: '120000',
  });
  user = await registerUser(server.url);
  keeper = connectProvider(server.collabUrl, DOC, user.accessToken);
  await waitSynced(keeper);
  keeper.doc.getText('text').insert(0, 'kept. ');
  await waitAcknowledged(keeper);
  noteId = (await noteOf(server, DOC))!.id;
});
afterAll(async () => {
  keeper?.destroy();
  await server?.destroy();
});

/** The keeper, connected all along, edits and is acknowledged: the document carries on. */
async function keeperStillEdits() {
  keeperEdits += 1;
  keeper.doc.getText('text').insert(keeper.doc.getText('text').length, `k${keeperEdits} `);
  await waitAcknowledged(keeper);
  expect(await storedText(server, noteId)).toBe(textOf(keeper.doc));
  expect(keeper.closes).toEqual([]);
}

describe('hostile input closes only the connection that sent it', () => {
  it.each(hostileFrames)('%s', async (_name, build, expected) => {
    const hostile = await rawCollabClient(server.collabUrl);
    expect(await hostile.authenticate(DOC, user.accessToken)).toBe('authenticated');
    const before = await storedBytes(server, noteId);
    hostile.send(build());
    const closed = await hostile.closed;
    expect(closed.code).toBe(expected.code);
    if (expected.reason) expect(closed.reason).toBe(expected.reason);
    expect(await storedBytes(server, noteId)).toEqual(before);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await keeperStillEdits();
  });

  it('an awareness flood past the per-connection message rate', async () => {
    const hostile = await rawCollabClient(server.collabUrl);
    expect(await hostile.authenticate(DOC, user.accessToken)).toBe('authenticated');
    const before = await storedBytes(server, noteId);
    const awareness = frame((e) => {
      encoding.writeVarUint(e, 1);
      const inner = encoding.createEncoder();
      encoding.writeVarUint(inner, 1);
      encoding.writeVarUint(inner, 4242);
      encoding.writeVarUint(inner, 1);
      encoding.writeVarString(inner, JSON.stringify({ cursor: 'x'.repeat(100) }));
      encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
    });
    for (let i = 0; i < 300 && hostile.isOpen(); i += 1) hostile.send(awareness);
    expect(await hostile.closed).toEqual({ code: 4429, reason: 'Too many messages' });
    expect(await storedBytes(server, noteId)).toEqual(before);
    await keeperStillEdits();
  });

  it('an update that would take the document past MAX_DOCUMENT_BYTES', async () => {
    const big = connectProvider(server.collabUrl, DOC, user.accessToken);
    try {
      await waitSynced(big);
      const before = await storedBytes(server, noteId);
      big.doc.getText('text').insert(0, 'z'.repeat(MAX_DOCUMENT_BYTES));
      await waitFor(() => big.closes.some((close) => close.code === 4413), 5000, 'a 4413 close');
      expect(big.closes[0]).toEqual({ code: 4413, reason: 'Document too large' });
      expect(await storedBytes(server, noteId)).toEqual(before);
      expect(textOf(keeper.doc)).not.toContain('zzz');
    } finally {
      big.destroy();
    }
    await keeperStillEdits();
  });
});
