// The pre-auth byte limit over a real socket (docs/security.md, "Nothing before authentication"): a
// raw `ws` client whose authentication never completes sends frames for its document past
// MAX_PRE_AUTH_BYTES and is closed with 4413, unread; the server carries on. The unit test of the
// gate itself is pre-auth-gate.test.ts.
import { randomUUID } from 'node:crypto';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes } from '../../src/db/schema/index.ts';
import type { RegisteredUser } from '../helpers/auth.ts';
import { connectProvider, rawCollabClient, textOf, waitAcknowledged, waitSynced } from '../helpers/collab.ts';
import type { TestServer } from '../helpers/server.ts';
import { startServerWithUsers } from '../helpers/server-with-users.ts';
import { noteOf, storedText } from './fixtures.ts';

const MAX_PRE_AUTH_BYTES = 64 * 1024;
const MESSAGE_SYNC = 0;

let server: TestServer;
let user: RegisteredUser;

beforeAll(async () => {
  [server, user] = await startServerWithUsers(1, { MAX_PRE_AUTH_BYTES: String(MAX_PRE_AUTH_BYTES) });
});
afterAll(async () => server?.destroy());

/** A sync step 1 whose state vector is garbage: read, it would close the socket 4400, not 4413. */
function garbageSyncFrame(documentName: string, bytes: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, documentName);
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint8Array(encoder, new Uint8Array(bytes).fill(0xff));
  return encoding.toUint8Array(encoder);
}

class Rollback extends Error {}

/**
 * Keeps every authentication of `documentName` pending: an open transaction has inserted a note of
 * that name, so the authentication's own insert waits for it (PostgreSQL: on the unique index;
 * PGlite: its single session). Resolves once held; `release` rolls it back.
 */
async function holdDocumentName(documentName: string): Promise<{ release(): Promise<void> }> {
  let held!: () => void;
  let release!: () => void;
  const holding = new Promise<void>((resolve) => {
    held = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const transaction = server.server.services.db
    .transaction(async (tx) => {
      await tx.insert(notes).values({
        user_id: user.userId,
        author_contact_id: user.contactZeroId,
        blocksuite_doc_id: documentName,
      });
      held();
      await released;
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  await holding;
  return {
    async release() {
      release();
      await transaction;
    },
  };
}

describe('MAX_PRE_AUTH_BYTES on a real socket', () => {
  it('closes a socket whose authentication is pending once its held frames pass the limit (4413); the server carries on', async () => {
    const documentName = `pending-${randomUUID()}`;
    const hold = await holdDocumentName(documentName);
    const client = await rawCollabClient(server.collabUrl);
    let sent = 0;
    try {
      client.sendAuth(documentName, user.accessToken);
      // 16 KiB frames until one more would pass the limit, then that one.
      const chunk = garbageSyncFrame(documentName, 16 * 1024);
      while (sent <= MAX_PRE_AUTH_BYTES && client.isOpen()) {
        client.send(chunk);
        sent += chunk.length;
      }
      expect(await client.closed).toEqual({ code: 4413, reason: 'Too much data before authentication' });
      // Closed while the authentication was still pending: nothing was read, no verdict was needed.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await hold.release();
    }
    expect(sent).toBeGreaterThan(MAX_PRE_AUTH_BYTES);

    // The same user opens the same document with a real provider: it authenticates, syncs and
    // edits, and nothing of the held frames reached the document.
    const provider = connectProvider(server.collabUrl, documentName, user.accessToken);
    try {
      await waitSynced(provider);
      provider.doc.getText('text').insert(0, 'after the refusal');
      await waitAcknowledged(provider);
      const note = await noteOf(server, documentName);
      expect(await storedText(server, note!.id)).toBe(textOf(provider.doc));
      expect(provider.closes).toEqual([]);
    } finally {
      provider.destroy();
    }
    expect(server.logs.text()).not.toMatch(/"level":50/);
  });

  it('closes a socket whose Auth frame is past 16 KiB (4413), before its token is read', async () => {
    const documentName = `pending-${randomUUID()}`;
    const client = await rawCollabClient(server.collabUrl);
    client.sendAuth(documentName, 'x'.repeat(16 * 1024));
    expect(await client.closed).toEqual({ code: 4413, reason: 'Too much data before authentication' });
    expect(await noteOf(server, documentName)).toBeUndefined();
  });
});
