// One server and one user for the tests of what the server decodes of a note's stored document
// over HTTP (HTTP document sync and its decoded copies, the integration bound on every decode):
// the long array crafted updates walk, folded into a note's stored state, and a pair too costly to
// integrate logged after it, as a log holds one no check saw together.
import * as Y from 'yjs';
import { afterAll, beforeAll, expect } from 'vitest';
import type { RegisteredUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import type { TestServer } from '../helpers/server.ts';
import { startServerWithUsers } from '../helpers/server-with-users.ts';
import { apiFor, ok } from '../resources/world.ts';
import { amplifiedUpdate, heldBackUpdate, LONG_ARRAY_LAST, longArrayUpdates } from './amplified-update.ts';

export const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Starts the server (and registers its user) before the file's tests, stops it after. */
export function storedDocumentsServer(env: Record<string, string> = {}) {
  let server: TestServer;
  let user: RegisteredUser;
  beforeAll(async () => {
    [server, user] = await startServerWithUsers(1, env);
  });
  afterAll(() => server?.destroy());
  const documents = () => server.server.services.documents;

  return {
    server: () => server,
    user: () => user,
    documents,
    api: () => apiFor(server.url, user.accessToken),
    /** HTTP document sync of `update` into the note, asking for the whole document back. */
    sync: (noteId: string, update: Uint8Array) =>
      request(server.url, 'POST', `/api/v1/notes/${noteId}/doc`, {
        token: user.accessToken,
        body: { update: base64(update), state_vector: base64(Y.encodeStateVector(new Y.Doc())) },
      }),
    /**
     * A new note whose stored state holds `first` (when given) and then the 150 000 items of `a`
     * (`longArrayUpdates`), compacted: the document is in the database only, its log empty.
     */
    async storedLongArrayNote(title: string, first?: Uint8Array): Promise<{ id: string; blocksuite_doc_id: string }> {
      const note = await ok(apiFor(server.url, user.accessToken).post('/notes', { title }));
      for (const update of [...(first ? [first] : []), ...longArrayUpdates()])
        await documents().appendUpdate(note.id, update);
      expect(await documents().compactNow(note.id)).toBe(true);
      expect(await documents().live.find(note.blocksuite_doc_id)).toBeUndefined();
      return note;
    },
  };
}

/**
 * Logs, unchecked, 20 items held back for client 8 000 000 and then that client's missing item
 * appended after the long array's last, which releases them: each of the 20 scans the 150 000
 * items (seconds of Yjs). Each half passes alone; an instance whose copy lacked the other, or a
 * server from before the check, logged them. Answers the log entry ids, the release last.
 */
export async function logCostlyPair(
  server: TestServer,
  noteId: string,
): Promise<{ heldBack: number; release: number }> {
  const documents = server.server.services.documents;
  for (const update of [heldBackUpdate(20, 8_000_000), amplifiedUpdate(1, 8_000_000, LONG_ARRAY_LAST)])
    await documents.appendUpdate(noteId, update, null);
  const log = (await documents.loadState(noteId))?.log ?? [];
  expect(log.length).toBeGreaterThanOrEqual(2);
  return { heldBack: log.at(-2)?.id ?? 0, release: log.at(-1)?.id ?? 0 };
}
