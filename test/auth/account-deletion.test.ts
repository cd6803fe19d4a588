// DELETE /api/v1/auth/account (docs/accounts.md): the password is checked, every session and
// socket ends, and a walk of the catalog finds no row of the user left, in any table, directly or
// through a row of theirs; another user's rows are all still there.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { blobKeyOf } from '../../src/domain/blobs/blob-key.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { connectKept, type TestProvider, waitAcknowledged, waitFor, waitSynced } from '../helpers/collab.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import type { TestServer } from '../helpers/server.ts';
import { destroyProvidersAndServer, startServerWithMailTrap } from '../helpers/server-with-users.ts';
import type { MailTrap } from '../helpers/smtp.ts';
import { loadSample } from '../import/support.ts';

let server: TestServer;
let mail: MailTrap;
const clients: TestProvider[] = [];

beforeAll(async () => {
  [server, mail] = await startServerWithMailTrap({
    COLLAB_REAUTH_INTERVAL_MS: '600000',
    // No compaction within the test: live edits stay in the update log, which deletion must empty too.
    STORE_DEBOUNCE_MS: '600000',
    STORE_MAX_DEBOUNCE_MS: '600000',
  });
});
afterAll(async () => {
  await destroyProvidersAndServer(clients, server);
  await mail?.close();
});

const db = () => server.server.services.db;

type ForeignKey = {
  table_name: string;
  column_name: string;
  referenced: string;
};

async function foreignKeys(): Promise<ForeignKey[]> {
  return queryRows<ForeignKey>(
    db(),
    sql`select c.conrelid::regclass::text as table_name, a.attname as column_name,
               c.confrelid::regclass::text as referenced
        from pg_constraint c
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
        where c.contype = 'f' and c.connamespace = 'public'::regnamespace`,
  );
}

async function hasIdColumn(table: string): Promise<boolean> {
  const rows = await queryRows<{ n: string }>(
    db(),
    sql`select count(*) as n from information_schema.columns where table_schema = 'public' and table_name = ${table} and column_name = 'id'`,
  );
  return Number(rows[0]?.n) === 1;
}

/**
 * Every row that is the user's, by table, as ids: rows of tables that reference users, then,
 * until nothing is added, rows of tables that reference a row already found (a project's
 * sections, a pipeline template's stages).
 */
async function ownedRows(userId: string, keys: ForeignKey[]): Promise<Map<string, string[]>> {
  const owned = new Map<string, string[]>([['users', [userId]]]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const key of keys) {
      const ids = owned.get(key.referenced);
      if (!ids || key.table_name === 'users' || !(await hasIdColumn(key.table_name))) continue;
      const list = sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      );
      const rows = await queryRows<{ id: string }>(
        db(),
        sql`select id::text as id from ${sql.identifier(key.table_name)} where ${sql.identifier(key.column_name)} in (${list})`,
      );
      const known = new Set(owned.get(key.table_name));
      const added = rows.map((row) => row.id).filter((id) => !known.has(id));
      if (added.length > 0) {
        owned.set(key.table_name, [...known, ...added]);
        grew = true;
      }
    }
  }
  owned.delete('users');
  return owned;
}

/** Rows that still point at the user or at a row of theirs, per table and column. */
async function leftovers(userId: string, owned: Map<string, string[]>, keys: ForeignKey[]) {
  const found: Record<string, number> = {};
  for (const key of keys) {
    const target = sql`${sql.identifier(key.table_name)}`;
    const column = sql.identifier(key.column_name);
    let count: number;
    if (key.referenced === 'users') {
      const rows = await queryRows<{ n: string }>(
        db(),
        sql`select count(*) as n from ${target} where ${column} = ${userId}`,
      );
      count = Number(rows[0]?.n);
    } else {
      const ids = owned.get(key.referenced) ?? [];
      if (ids.length === 0) continue;
      const list = sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      );
      const rows = await queryRows<{ n: string }>(
        db(),
        sql`select count(*) as n from ${target} where ${column} in (${list})`,
      );
      count = Number(rows[0]?.n);
    }
    if (count > 0) found[`${key.table_name}.${key.column_name}`] = count;
  }
  return found;
}

/**
 * Fills every table that can hold something of the user: the sample FrameLord export (groups,
 * projects, pipelines, interactions, topics, note links; its import leaves the id map), notes with
 * documents, tasks, contacts by sync, a blob, sessions, and a live socket whose edit stays in the
 * update log. Returns that socket, still connected.
 */
async function populate(user: RegisteredUser): Promise<TestProvider> {
  const imported = await request(server.url, 'POST', '/api/v1/import', { token: user.accessToken, body: loadSample() });
  expect(imported.status, JSON.stringify(imported.body)).toBe(200);
  const note = await request(server.url, 'POST', '/api/v1/notes', {
    token: user.accessToken,
    body: { title: `Note ${randomUUID()}` },
  });
  expect(note.status, JSON.stringify(note.body)).toBe(201);
  const task = await request(server.url, 'POST', '/api/v1/tasks', {
    token: user.accessToken,
    body: { title: 'A task', contact_id: user.contactZeroId },
  });
  expect(task.status, JSON.stringify(task.body)).toBe(201);
  const pushed = await request(server.url, 'POST', '/api/v1/sync/push', {
    token: user.accessToken,
    body: {
      device_id: 'laptop',
      changes: [
        {
          mutation_id: randomUUID(),
          entity_type: 'contact',
          entity_id: randomUUID(),
          operation: 'create',
          data: { full_name: 'Offline Ada', relationship_domain: 'business', relationship_role: 'peer' },
          client_updated_at: new Date().toISOString(),
        },
      ],
    },
  });
  expect(pushed.body.data.failed, JSON.stringify(pushed.body)).toEqual([]);
  const bytes = new TextEncoder().encode(`an image of ${user.email}`);
  const blob = await fetch(`${server.url}/api/v1/blobs/${blobKeyOf(bytes)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'image/png' },
    body: bytes,
  });
  expect(blob.status).toBe(201);
  const client = connectKept(clients, server.collabUrl, `doc-${randomUUID()}`, user.accessToken);
  await waitSynced(client);
  client.doc.getText('text').insert(0, 'written live');
  await waitAcknowledged(client);
  await request(server.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  // Rows only a sign-in through an identity provider writes (test/auth/oidc.test.ts drives those
  // flows against a real provider): written here as those flows write them.
  const provider = `test-${randomUUID().slice(0, 8)}`;
  await db().execute(
    sql`insert into user_identities (user_id, provider, issuer, subject) values (${user.userId}, ${provider}, 'https://id.example.com', ${randomUUID()})`,
  );
  await db().execute(
    sql`insert into oidc_flows (state_hash, provider, code_verifier, nonce, browser_hash, redirect_uri, link_user_id, expires_at)
        values (${randomUUID()}, ${provider}, 'verifier', 'nonce', 'browser', 'https://app.example.com/cb', ${user.userId}, now() + interval '10 minutes')`,
  );
  await db().execute(
    sql`insert into oidc_codes (code_hash, purpose, user_id, provider, expires_at)
        values (${randomUUID()}, 'link', ${user.userId}, ${provider}, now() + interval '1 minute')`,
  );
  return client;
}

describe('DELETE /api/v1/auth/account', () => {
  it('refuses a wrong password and a missing token, deleting nothing', async () => {
    const user = await registerUser(server.url);
    const wrong = await request(server.url, 'DELETE', '/api/v1/auth/account', {
      token: user.accessToken,
      body: { password: 'not-it' },
    });
    expectErrorEnvelope(wrong, 401, 'INVALID_CREDENTIALS');
    expectErrorEnvelope(
      await request(server.url, 'DELETE', '/api/v1/auth/account', { body: { password: user.password } }),
      401,
      'UNAUTHORIZED',
    );
    expect((await request(server.url, 'GET', '/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
  });

  it('deletes every row of the user in every table, ends sockets and tokens, mails a confirmation', async () => {
    const user = await registerUser(server.url);
    const bystander = await registerUser(server.url);
    const live = await populate(user);
    const bystanderLive = await populate(bystander);
    const keys = await foreignKeys();
    const owned = await ownedRows(user.userId, keys);
    const bystanderOwned = await ownedRows(bystander.userId, keys);
    // The walk is only as good as what it walks: before the deletion, every reference in the
    // schema (to the user, or to a row of theirs) is held by at least one row.
    const before = await leftovers(user.userId, owned, keys);
    expect(keys.map((key) => `${key.table_name}.${key.column_name}`).filter((name) => !(name in before))).toEqual([]);
    const bystanderBefore = await leftovers(bystander.userId, bystanderOwned, keys);
    expect(Object.keys(bystanderBefore)).toEqual(Object.keys(before));
    // Blob bytes are named by storage id, not by user: checked beside the walk.
    const chunksOf = async (userId: string) =>
      Number(
        (
          await queryRows<{ n: string }>(
            db(),
            sql`select count(*) as n from blob_chunks where storage_id in (select storage_id from blobs where user_id = ${userId})`,
          )
        )[0]?.n,
      );
    const storageIds = await queryRows<{ storage_id: string }>(
      db(),
      sql`select storage_id from blobs where user_id = ${user.userId}`,
    );
    // The uploaded image and the sample's attachments.
    expect(storageIds.length).toBeGreaterThan(1);
    expect(await chunksOf(user.userId)).toBeGreaterThan(0);
    const bystanderChunks = await chunksOf(bystander.userId);
    expect(bystanderChunks).toBeGreaterThan(0);

    const response = await request(server.url, 'DELETE', '/api/v1/auth/account', {
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(204);
    await waitFor(() => live.closes.some((close) => close.code === 4401), 5000, 'the socket closed');

    expect(await leftovers(user.userId, owned, keys)).toEqual({});
    const chunksLeft = await queryRows<{ n: string }>(
      db(),
      sql`select count(*) as n from blob_chunks where storage_id in (${sql.join(
        storageIds.map((row) => sql`${row.storage_id}`),
        sql`, `,
      )})`,
    );
    expect(Number(chunksLeft[0]?.n)).toBe(0);
    expect(await chunksOf(bystander.userId)).toBe(bystanderChunks);
    expect(await leftovers(bystander.userId, bystanderOwned, keys)).toEqual(bystanderBefore);

    expectErrorEnvelope(
      await request(server.url, 'GET', '/api/v1/auth/me', { token: user.accessToken }),
      401,
      'UNAUTHORIZED',
    );
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refreshToken } }),
      401,
      'UNAUTHORIZED',
    );
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } }),
      401,
      'INVALID_CREDENTIALS',
    );
    const confirmation = await mail.waitFor(user.email, /account is closed/);
    expect(confirmation.body).toContain('deleted');
    expect((await request(server.url, 'GET', '/api/v1/auth/me', { token: bystander.accessToken })).status).toBe(200);
    expect(bystanderLive.closes).toEqual([]);
    // The address is free again.
    await registerUser(server.url, { email: user.email });
  });
});
