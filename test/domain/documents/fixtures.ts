import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import type { AuthContext } from '../../../src/domain/auth/auth-context.ts';
import type { Db } from '../../../src/db/client.ts';
import { contacts, notes, users } from '../../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';

/** A user with a Contact Zero, inserted directly (the domain under test needs no HTTP). */
export async function insertUser(db: Db): Promise<AuthContext> {
  const email = `u-${randomUUID()}@example.com`;
  const [user] = await db.insert(users).values({ email, full_name: 'Owner' }).returning();
  const [zero] = await db
    .insert(contacts)
    .values({
      user_id: user!.id,
      full_name: 'Owner',
      is_contact_zero: true,
      relationship_domain: 'hybrid',
      relationship_role: 'self',
    })
    .returning();
  return { userId: user!.id, contactZeroId: zero!.id, sessionId: randomUUID(), email };
}

/** A fresh test database and one user in it: what each document-layer test file starts from. */
export async function databaseWithOwner(): Promise<{ database: TestDatabase; owner: AuthContext }> {
  const database = await createTestDatabase();
  return { database, owner: await insertUser(database.db) };
}

export async function insertNote(db: Db, auth: AuthContext, documentName = `doc-${randomUUID()}`) {
  const [note] = await db
    .insert(notes)
    .values({ user_id: auth.userId, author_contact_id: auth.contactZeroId, blocksuite_doc_id: documentName })
    .returning();
  return note!;
}

/** A document whose edits are captured as separate updates, like a client typing. */
export function typingSession(clientId = 1) {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  const text = doc.getText('t');
  return {
    doc,
    updates,
    type(word: string) {
      text.insert(text.length, word);
      return updates.at(-1) as Uint8Array;
    },
  };
}

export function textOf(state: Uint8Array | Y.Doc): string {
  if (state instanceof Y.Doc) return state.getText('t').toString();
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc.getText('t').toString();
}
