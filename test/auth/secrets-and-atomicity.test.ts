import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { registerUser } from '../helpers/auth.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LOG_LEVEL: 'trace' });
});
afterAll(async () => {
  await server?.destroy();
});

const count = async (query: ReturnType<typeof sql>) =>
  Number((await queryRows<{ n: number | string }>(server.server.services.db, query))[0]?.n);

/** A trigger in the server's own database that makes inserts into `table` fail for emails starting with `prefix`. */
async function failInsertsFor(table: 'users' | 'folders', prefix: string): Promise<() => Promise<void>> {
  const name = `fail_${table}_${randomUUID().replaceAll('-', '')}`;
  const condition =
    table === 'users'
      ? sql.raw(`new.email like '${prefix}%'`)
      : sql.raw(`exists (select 1 from users where id = new.user_id and email like '${prefix}%')`);
  const db = server.server.services.db;
  await db.execute(sql`create function ${sql.raw(name)}() returns trigger language plpgsql as $$
    begin
      if ${condition} then raise exception 'forced failure in the middle of registration'; end if;
      return new;
    end $$`);
  await db.execute(
    sql`create trigger ${sql.raw(name)} before insert on ${sql.raw(table)} for each row execute function ${sql.raw(name)}()`,
  );
  return async () => {
    await db.execute(sql`drop trigger ${sql.raw(name)} on ${sql.raw(table)}`);
    await db.execute(sql`drop function ${sql.raw(name)}()`);
  };
}

describe('registration is one transaction', () => {
  /** How many rows each table a registration writes holds, across all users. */
  const rowCountsOfRegistrationTables = async () => ({
    users: await count(sql`select count(*) as n from users`),
    contacts: await count(sql`select count(*) as n from contacts`),
    folders: await count(sql`select count(*) as n from folders`),
    sessions: await count(sql`select count(*) as n from auth_sessions`),
    changes: await count(sql`select count(*) as n from sync_changes`),
    counters: await count(sql`select count(*) as n from user_change_counters`),
  });

  it('leaves no user, contact, folder, session or change behind when the folder insert fails, and the email stays free', async () => {
    const email = `halfway-${randomUUID()}@example.com`;
    const before = await rowCountsOfRegistrationTables();
    const restore = await failInsertsFor('folders', 'halfway-');
    try {
      const response = await request(server.url, 'POST', '/api/v1/auth/register', {
        body: { email, password: 'long enough', full_name: 'Half Way' },
      });
      expectErrorEnvelope(response, 500, 'INTERNAL_ERROR');
      expect(JSON.stringify(response.body)).not.toContain('forced failure');
    } finally {
      await restore();
    }
    expect(await rowCountsOfRegistrationTables()).toEqual(before);
    expect(await count(sql`select count(*) as n from users where email = ${email}`)).toBe(0);
    // Nothing half-made blocks the address: the same sign-up now succeeds.
    const retry = await registerUser(server.url, { email });
    expect(retry.data.user.email).toBe(email);
    expect(await count(sql`select count(*) as n from folders where user_id = ${retry.userId}`)).toBe(4);
  });
});

describe('secrets never leave the server', () => {
  it('no password, hash or token appears in any response or log line, even when the user insert fails unexpectedly', async () => {
    const password = `secret-${randomUUID()}`;
    const user = await registerUser(server.url, { password });
    const responses: string[] = [JSON.stringify(user.data)];
    const record = async (response: Promise<{ status: number; body: unknown }>) => {
      const r = await response;
      responses.push(JSON.stringify(r.body ?? ''));
      return r;
    };
    await record(request(server.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password } }));
    await record(
      request(server.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: `${password}-wrong` } }),
    );
    await record(
      request(server.url, 'POST', '/api/v1/auth/login', {
        body: { email: `nobody-${randomUUID()}@example.com`, password },
      }),
    );
    await record(request(server.url, 'GET', '/api/v1/auth/me', { token: user.accessToken }));
    const refreshed = await record(
      request(server.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refreshToken } }),
    );
    await record(request(server.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refreshToken } }));
    await record(
      request(server.url, 'POST', '/api/v1/auth/register', { body: { email: user.email, password, full_name: 'Dup' } }),
    );
    await record(
      request(server.url, 'POST', '/api/v1/auth/register', { body: { email: 'bad', password, full_name: 'Bad' } }),
    );

    // An unexpected database failure while inserting the user: the failed statement's parameters
    // (which hold the new password hash) must not reach the log.
    const explodingPassword = `explode-pw-${randomUUID()}`;
    const restore = await failInsertsFor('users', 'explode-');
    try {
      const failed = await record(
        request(server.url, 'POST', '/api/v1/auth/register', {
          body: { email: `explode-${randomUUID()}@example.com`, password: explodingPassword, full_name: 'Boom' },
        }),
      );
      expect(failed.status).toBe(500);
    } finally {
      await restore();
    }

    const [stored] = await queryRows<{ password_hash: string }>(
      server.server.services.db,
      sql`select password_hash from users where id = ${user.userId}`,
    );
    const hash = stored!.password_hash;
    const logs = server.logs.text();
    expect(logs).toContain('request failed');
    expect(logs).toContain('forced failure in the middle of registration');
    const passwordsAndHashes = [password, explodingPassword, hash, hash.split('$').at(-1)!];
    for (const text of [logs, ...responses]) {
      for (const secret of passwordsAndHashes)
        expect(text.includes(secret), `leaked ${secret.slice(0, 12)}…`).toBe(false);
      expect(text).not.toContain('$argon2');
    }
    // Tokens belong in their answers only.
    for (const token of [user.accessToken, user.refreshToken, String((refreshed.body as any).data.refresh_token)]) {
      expect(logs.includes(token), `logged ${token.slice(0, 12)}…`).toBe(false);
    }
    for (const line of server.logs.lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
