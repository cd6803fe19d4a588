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
  server = await startTestServer();
});
afterAll(async () => {
  await server?.destroy();
});

const email = () => `u-${randomUUID()}@example.com`;

describe('POST /api/v1/auth/register', () => {
  it('answers 201 with user, contact zero, tokens and expires_in; no password or hash in the answer', async () => {
    const address = `  New.Person-${randomUUID()}@Example.COM `;
    const password = `correct horse ${randomUUID()}`;
    const response = await request(server.url, 'POST', '/api/v1/auth/register', {
      body: { email: address, password, full_name: 'Ada Lovelace', avatar_url: 'https://example.com/ada.png' },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const data = response.body.data;
    expect(Object.keys(data).sort()).toEqual(['access_token', 'contact_zero', 'expires_in', 'refresh_token', 'user']);
    expect(data.user.email).toBe(address.trim().toLowerCase());
    expect(data.user).toMatchObject({
      full_name: 'Ada Lovelace',
      avatar_url: 'https://example.com/ada.png',
      status: 'active',
    });
    expect(data.user).not.toHaveProperty('password_hash');
    expect(data.contact_zero).toMatchObject({
      user_id: data.user.id,
      is_contact_zero: true,
      relationship_role: 'self',
      relationship_domain: 'hybrid',
      full_name: 'Ada Lovelace',
      avatar_url: 'https://example.com/ada.png',
      email: data.user.email,
    });
    expect(data.expires_in).toBe(3600);
    expect(data.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(data.refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const text = JSON.stringify(response.body);
    expect(text).not.toContain(password);
    expect(text).not.toMatch(/argon2|password/i);
  });

  it('creates the four default PARA folders and records contact zero and folders in the change feed', async () => {
    const user = await registerUser(server.url);
    const db = server.server.services.db;
    const folders = await queryRows<{ name: string; is_default: boolean; sort_order: number }>(
      db,
      sql`select name, is_default, sort_order from folders where user_id = ${user.userId} order by sort_order`,
    );
    expect(folders).toEqual([
      { name: 'Projects', is_default: true, sort_order: 0 },
      { name: 'Areas', is_default: true, sort_order: 1 },
      { name: 'Resources', is_default: true, sort_order: 2 },
      { name: 'Archive', is_default: true, sort_order: 3 },
    ]);
    const changes = await queryRows<{ entity_type: string; n: number | string }>(
      db,
      sql`select entity_type, count(*) as n from sync_changes where user_id = ${user.userId} group by entity_type order by entity_type`,
    );
    expect(changes.map((row) => [row.entity_type, Number(row.n)])).toEqual([
      ['contact', 1],
      ['folder', 4],
    ]);
    const [stored] = await queryRows<{ password_hash: string }>(
      db,
      sql`select password_hash from users where id = ${user.userId}`,
    );
    expect(stored?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('refuses a taken email with 409 CONFLICT, also when it differs only in case or surrounding spaces', async () => {
    const user = await registerUser(server.url);
    for (const variant of [user.email, user.email.toUpperCase(), `  ${user.email.replace('user', 'USER')} `]) {
      const response = await request(server.url, 'POST', '/api/v1/auth/register', {
        body: { email: variant, password: 'another-password', full_name: 'Someone Else' },
      });
      expectErrorEnvelope(response, 409, 'CONFLICT');
    }
    const count = await queryRows<{ n: number | string }>(
      server.server.services.db,
      sql`select count(*) as n from users where email = ${user.email}`,
    );
    expect(Number(count[0]?.n)).toBe(1);
  });

  it('validates every field and names each offending one', async () => {
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ email: 'not-an-email', password: 'long enough', full_name: 'A' }, ['email']],
      [{ email: email(), password: 'short', full_name: 'A' }, ['password']],
      [{ email: email(), password: 'x'.repeat(1025), full_name: 'A' }, ['password']],
      [{ email: email(), password: 'long enough', full_name: '' }, ['full_name']],
      [{ email: email(), password: 'long enough', full_name: '   ' }, ['full_name']],
      [{ email: email(), password: 'long enough', full_name: 'x'.repeat(256) }, ['full_name']],
      [{ email: email(), password: 'long enough' }, ['full_name']],
      [{ email: email(), password: 'long enough', full_name: 'A', avatar_url: 'javascript:alert(1)' }, ['avatar_url']],
      [
        { email: email(), password: 'long enough', full_name: 'A', is_admin: true, user_id: randomUUID() },
        ['is_admin', 'user_id'],
      ],
      [{}, ['email', 'password', 'full_name']],
    ];
    for (const [body, fields] of cases) {
      const response = await request(server.url, 'POST', '/api/v1/auth/register', { body });
      expectErrorEnvelope(response, 400, 'VALIDATION_ERROR');
      expect(
        response.body.error.details.map((d: { field: string }) => d.field).sort(),
        JSON.stringify(body).slice(0, 200),
      ).toEqual([...fields].sort());
      for (const detail of response.body.error.details) expect(typeof detail.message).toBe('string');
    }
  });

  it('accepts a password of exactly 8 and exactly 1024 characters', async () => {
    for (const password of ['12345678', 'p'.repeat(1024)]) {
      const user = await registerUser(server.url, { password });
      const login = await request(server.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password } });
      expect(login.status).toBe(200);
    }
  });

  it('answers malformed JSON, a non-JSON content type and an oversized body with the error envelope', async () => {
    const malformed = await request(server.url, 'POST', '/api/v1/auth/register', {
      rawBody: '{"email": "a@b.co", "password":',
    });
    expectErrorEnvelope(malformed, 400, 'VALIDATION_ERROR');
    const notJson = await request(server.url, 'POST', '/api/v1/auth/login', {
      rawBody: 'email=a@b.co',
      headers: { 'content-type': 'text/plain' },
    });
    expectErrorEnvelope(notJson, 400, 'VALIDATION_ERROR');
    const huge = await request(server.url, 'POST', '/api/v1/auth/login', {
      rawBody: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(16 * 1024 * 1024) }),
    });
    expectErrorEnvelope(huge, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('POST /api/v1/auth/login', () => {
  it('answers 200 with the register shape, for any case of the email, and starts a new session', async () => {
    const user = await registerUser(server.url);
    const response = await request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: `  ${user.email.toUpperCase()}  `, password: user.password },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const data = response.body.data;
    expect(Object.keys(data).sort()).toEqual(['access_token', 'contact_zero', 'expires_in', 'refresh_token', 'user']);
    expect(data.user.id).toBe(user.userId);
    expect(data.user).not.toHaveProperty('password_hash');
    expect(data.user.last_login_at).not.toBeNull();
    expect(data.contact_zero.id).toBe(user.contactZeroId);
    expect(data.expires_in).toBe(3600);
    expect(data.refresh_token).not.toBe(user.refreshToken);
    const sessions = await queryRows<{ n: number | string }>(
      server.server.services.db,
      sql`select count(*) as n from auth_sessions where user_id = ${user.userId}`,
    );
    expect(Number(sessions[0]?.n)).toBe(2);
    // Both sessions work side by side (two devices).
    expect((await request(server.url, 'GET', '/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
    expect((await request(server.url, 'GET', '/api/v1/auth/me', { token: data.access_token })).status).toBe(200);
  });

  it('answers a wrong password and an unknown email with the same 401 INVALID_CREDENTIALS', async () => {
    const user = await registerUser(server.url);
    const wrongPassword = await request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: 'wrong-password' },
    });
    const unknownEmail = await request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: email(), password: 'wrong-password' },
    });
    expectErrorEnvelope(wrongPassword, 401, 'INVALID_CREDENTIALS');
    expectErrorEnvelope(unknownEmail, 401, 'INVALID_CREDENTIALS');
    expect(wrongPassword.body.error).toEqual(unknownEmail.body.error);
  });

  it('spends the same hashing work on an unknown email as on a wrong password', async () => {
    const user = await registerUser(server.url);
    const time = async (body: object) => {
      const started = performance.now();
      const response = await request(server.url, 'POST', '/api/v1/auth/login', { body });
      expect(response.status).toBe(401);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < 15; round += 1) {
      known.push(await time({ email: user.email, password: 'wrong-password' }));
      unknown.push(await time({ email: email(), password: 'wrong-password' }));
    }
    // The fastest of several answers is the work itself, with the least of the machine's noise in
    // it. An unknown email that skipped argon2 would answer in a small fraction of the time.
    const fastest = (values: number[]) => Math.min(...values);
    expect(fastest(unknown)).toBeGreaterThan(fastest(known) * 0.5);
    expect(fastest(unknown)).toBeLessThan(fastest(known) * 2 + 20);
  });

  it('validates the body', async () => {
    const response = await request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: 'a@b.co', password: 'x', remember_me: true },
    });
    expectErrorEnvelope(response, 400, 'VALIDATION_ERROR');
    expect(response.body.error.details).toEqual([{ field: 'remember_me', message: expect.any(String) }]);
    const missing = await request(server.url, 'POST', '/api/v1/auth/login', { body: { email: 'a@b.co' } });
    expectErrorEnvelope(missing, 400, 'VALIDATION_ERROR');
    expect(missing.body.error.details.map((d: { field: string }) => d.field)).toEqual(['password']);
  });
});

describe('GET /api/v1/auth/me', () => {
  it('answers the caller and their contact zero', async () => {
    const user = await registerUser(server.url, { full_name: 'Grace Hopper' });
    const response = await request(server.url, 'GET', '/api/v1/auth/me', { token: user.accessToken });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body.data).sort()).toEqual(['contact_zero', 'user']);
    expect(response.body.data.user).toMatchObject({ id: user.userId, email: user.email, full_name: 'Grace Hopper' });
    expect(response.body.data.user).not.toHaveProperty('password_hash');
    expect(response.body.data.contact_zero).toMatchObject({ id: user.contactZeroId, is_contact_zero: true });
  });

  it('answers 401 UNAUTHORIZED without a token, with a malformed header, and with garbage', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer not.a.jwt' },
    ]) {
      const response = await request(server.url, 'GET', '/api/v1/auth/me', { headers });
      expectErrorEnvelope(response, 401, 'UNAUTHORIZED');
    }
  });
});

describe('protection of /api/v1', () => {
  it('needs a token on every /api/v1 path except register, login and refresh, including ones no module serves', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/contacts'],
      ['POST', '/api/v1/sync/push'],
      ['GET', '/api/v1/no-such-thing'],
      ['POST', '/api/v1/auth/logout'],
      ['GET', '/api/v1/auth/register/'],
    ] as const) {
      const response = await request(server.url, method, path, { body: method === 'POST' ? {} : undefined });
      expectErrorEnvelope(response, 401, 'UNAUTHORIZED');
    }
  });

  it('answers an unknown route of a signed-in caller with the 404 envelope', async () => {
    const user = await registerUser(server.url);
    const response = await request(server.url, 'GET', '/api/v1/no-such-thing', { token: user.accessToken });
    expectErrorEnvelope(response, 404, 'NOT_FOUND');
  });

  it('lists the auth routes in the OpenAPI registry with their request schemas', async () => {
    const { createApp } = await import('../../src/http/app.ts');
    const { registerAuthRoutes } = await import('../../src/http/routes/auth.ts');
    const app = createApp(server.server.services, [registerAuthRoutes]);
    const document = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    for (const path of ['/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout']) {
      expect(document.paths?.[path]?.post, path).toBeDefined();
    }
    expect(document.paths?.['/api/v1/auth/me']?.get).toBeDefined();
    const register = JSON.stringify(document.paths?.['/api/v1/auth/register']);
    expect(register).toContain('RegisterRequest');
    expect(JSON.stringify(document.components?.schemas?.RegisterRequest)).toContain('"additionalProperties":false');
    expect(document.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
