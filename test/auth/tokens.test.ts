import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
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

const me = (token: string) => request(server.url, 'GET', '/api/v1/auth/me', { token });
const refresh = (refreshToken: string) =>
  request(server.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: refreshToken } });

const base64url = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token signed with the server's own secret and claims of our choosing. */
async function signWith(
  secret: string,
  header: { typ?: string; alg?: 'HS256' | 'HS512' },
  claims: Record<string, unknown>,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: header.alg ?? 'HS256', ...(header.typ ? { typ: header.typ } : {}) })
    .sign(new TextEncoder().encode(secret));
}

function accessClaims(user: RegisteredUser, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = decodeJwt(user.accessToken);
  return { ...payload, jti: randomUUID(), ...overrides };
}

async function sessionRow(sessionId: string) {
  const [row] = await queryRows<{ revoked_at: unknown; revoked_reason: string | null; refresh_generation: string }>(
    server.server.services.db,
    sql`select revoked_at, revoked_reason, refresh_generation from auth_sessions where id = ${sessionId}`,
  );
  return row;
}

describe('token contents', () => {
  it('access tokens carry the spec claims and typ at+jwt for one hour; refresh tokens typ rt+jwt for 30 days', async () => {
    const user = await registerUser(server.url);
    const access = decodeJwt(user.accessToken);
    expect(decodeProtectedHeader(user.accessToken)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(access).toMatchObject({
      sub: user.userId,
      email: user.email,
      contact_zero_id: user.contactZeroId,
      iss: 'framelord-sync',
      aud: 'framelord',
    });
    expect(access.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(access.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(access.exp! - access.iat!).toBe(3600);
    expect(Math.abs(access.iat! - Date.now() / 1000)).toBeLessThan(30);

    const refreshClaims = decodeJwt(user.refreshToken);
    expect(decodeProtectedHeader(user.refreshToken)).toEqual({ alg: 'HS256', typ: 'rt+jwt' });
    expect(refreshClaims).toMatchObject({ sub: user.userId, sid: access.sid, iss: 'framelord-sync', aud: 'framelord' });
    expect(refreshClaims.exp! - refreshClaims.iat!).toBe(30 * 24 * 3600);
    expect(refreshClaims).not.toHaveProperty('email');
    // The session row holds the refresh token's generation.
    expect((await sessionRow(String(access.sid)))?.refresh_generation).toBe(refreshClaims.jti);
  });
});

describe('refused access tokens answer 401 UNAUTHORIZED with the envelope', () => {
  it('refuses a forged payload, an expired token, a wrong secret, alg none, a wrong algorithm, issuer, audience or type', async () => {
    const user = await registerUser(server.url);
    const other = await registerUser(server.url);
    const secret = server.server.services.jwtSecret;
    const now = Math.floor(Date.now() / 1000);
    const [header, , signature] = user.accessToken.split('.');
    const claims = accessClaims(user);

    const cases: Record<string, string> = {
      // Someone else's id in the payload, the original signature kept.
      'forged payload': `${header}.${base64url({ ...claims, sub: other.userId, contact_zero_id: other.contactZeroId })}.${signature}`,
      'truncated signature': user.accessToken.slice(0, -4),
      expired: await signWith(secret, { typ: 'at+jwt' }, { ...claims, iat: now - 7200, exp: now - 3600 }),
      'wrong secret': await signWith(`not-the-secret-${randomUUID()}`, { typ: 'at+jwt' }, claims),
      'alg none': `${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url(claims)}.`,
      'alg HS512': await signWith(secret, { typ: 'at+jwt', alg: 'HS512' }, claims),
      'wrong issuer': await signWith(secret, { typ: 'at+jwt' }, { ...claims, iss: 'someone-else' }),
      'wrong audience': await signWith(secret, { typ: 'at+jwt' }, { ...claims, aud: 'another-app' }),
      'no typ': await signWith(secret, {}, claims),
      'refresh typ with access claims': await signWith(secret, { typ: 'rt+jwt' }, claims),
      'refresh token as access token': user.refreshToken,
      'missing sid': await signWith(secret, { typ: 'at+jwt' }, { ...claims, sid: undefined }),
      'sid of no session': await signWith(secret, { typ: 'at+jwt' }, { ...claims, sid: randomUUID() }),
      'sid of another user': await signWith(
        secret,
        { typ: 'at+jwt' },
        { ...claims, sid: decodeJwt(other.accessToken).sid },
      ),
      'non-uuid sub': await signWith(secret, { typ: 'at+jwt' }, { ...claims, sub: 'admin' }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await me(token);
      expect(response.status, name).toBe(401);
      expectErrorEnvelope(response, 401, 'UNAUTHORIZED');
    }
    // The same secret and claims, properly signed, are accepted: the cases above fail for their one defect.
    expect((await me(await signWith(secret, { typ: 'at+jwt' }, claims))).status).toBe(200);
  });

  it('refuses an access token as a refresh token, and expired or forged refresh tokens', async () => {
    const user = await registerUser(server.url);
    const secret = server.server.services.jwtSecret;
    const now = Math.floor(Date.now() / 1000);
    const refreshClaims = decodeJwt(user.refreshToken);
    const cases: Record<string, string> = {
      'access token': user.accessToken,
      expired: await signWith(
        secret,
        { typ: 'rt+jwt' },
        { ...refreshClaims, iat: now - 40 * 86400, exp: now - 10 * 86400 },
      ),
      'wrong secret': await signWith(`x-${randomUUID()}-${randomUUID()}`, { typ: 'rt+jwt' }, refreshClaims),
      'alg none': `${base64url({ alg: 'none', typ: 'rt+jwt' })}.${base64url(refreshClaims)}.`,
      'access typ': await signWith(secret, { typ: 'at+jwt' }, refreshClaims),
      garbage: 'garbage',
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await refresh(token);
      expect(response.status, name).toBe(401);
      expectErrorEnvelope(response, 401, 'UNAUTHORIZED');
    }
    // None of those attempts disturbed the real session.
    expect((await refresh(user.refreshToken)).status).toBe(200);
  });

  it('refuses the tokens of an expired session and of a suspended user', async () => {
    const expiring = await registerUser(server.url);
    const db = server.server.services.db;
    await db.execute(
      sql`update auth_sessions set expires_at = now() - interval '1 second' where user_id = ${expiring.userId}`,
    );
    expectErrorEnvelope(await me(expiring.accessToken), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(await refresh(expiring.refreshToken), 401, 'UNAUTHORIZED');

    const suspended = await registerUser(server.url);
    await db.execute(sql`update users set status = 'suspended' where id = ${suspended.userId}`);
    expectErrorEnvelope(await me(suspended.accessToken), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(await refresh(suspended.refreshToken), 401, 'UNAUTHORIZED');
    const login = await request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: suspended.email, password: suspended.password },
    });
    expectErrorEnvelope(login, 401, 'INVALID_CREDENTIALS');
  });
});

describe('POST /api/v1/auth/refresh', () => {
  it('rotates: a new pair, the old refresh token stops working, the new one works, the session stays', async () => {
    const user = await registerUser(server.url);
    const first = await refresh(user.refreshToken);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(Object.keys(first.body.data).sort()).toEqual(['access_token', 'expires_in', 'refresh_token']);
    expect(first.body.data.expires_in).toBe(3600);
    expect(first.body.data.refresh_token).not.toBe(user.refreshToken);
    expect(decodeJwt(first.body.data.access_token).sid).toBe(decodeJwt(user.accessToken).sid);
    expect((await me(first.body.data.access_token)).status).toBe(200);

    const second = await refresh(first.body.data.refresh_token);
    expect(second.status).toBe(200);
    expect((await me(second.body.data.access_token)).status).toBe(200);
  });

  it('revokes the whole session when a rotated refresh token is used again: every token of it stops working', async () => {
    const user = await registerUser(server.url);
    const otherDevice = await request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    const sessionId = String(decodeJwt(user.accessToken).sid);
    const rotated = await refresh(user.refreshToken);
    expect(rotated.status).toBe(200);
    // Past REFRESH_REUSE_GRACE_SECONDS (within it, a retry gets the same pair: passwords-and-sessions.test.ts).
    await server.server.services.db.execute(
      sql`update auth_sessions set last_refreshed_at = last_refreshed_at - interval '1 minute' where id = ${sessionId}`,
    );

    // The stolen copy of the first refresh token is presented again.
    const replay = await refresh(user.refreshToken);
    expectErrorEnvelope(replay, 401, 'UNAUTHORIZED');

    expect(await sessionRow(sessionId)).toMatchObject({ revoked_reason: 'refresh_token_reuse' });
    expectErrorEnvelope(await refresh(rotated.body.data.refresh_token), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(await me(rotated.body.data.access_token), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(await me(user.accessToken), 401, 'UNAUTHORIZED');
    expect(server.logs.text()).toContain('rotated refresh token presented again');
    // Another session of the same user is untouched.
    expect((await me(otherDevice.body.data.access_token)).status).toBe(200);
    expect((await refresh(otherDevice.body.data.refresh_token)).status).toBe(200);
  });

  it('lets exactly one of two simultaneous refreshes with the same token rotate; the other gets the same pair', async () => {
    const user = await registerUser(server.url);
    const results = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results[0]?.body.data).toEqual(results[1]?.body.data);
    // One rotation happened: the pair's refresh token rotates once more, then is spent.
    const next = await refresh(results[0]?.body.data.refresh_token);
    expect(next.status).toBe(200);
    expect(next.body.data.refresh_token).not.toBe(results[0]?.body.data.refresh_token);
  });

  it('validates the body', async () => {
    const missing = await request(server.url, 'POST', '/api/v1/auth/refresh', { body: {} });
    expectErrorEnvelope(missing, 400, 'VALIDATION_ERROR');
    expect(missing.body.error.details.map((d: { field: string }) => d.field)).toEqual(['refresh_token']);
    const extra = await request(server.url, 'POST', '/api/v1/auth/refresh', {
      body: { refresh_token: 'x', device: 'y' },
    });
    expectErrorEnvelope(extra, 400, 'VALIDATION_ERROR');
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('answers 204 and revokes the session: its access and refresh tokens stop working, other sessions do not', async () => {
    const user = await registerUser(server.url);
    const otherDevice = await request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    const response = await request(server.url, 'POST', '/api/v1/auth/logout', { token: user.accessToken });
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expect(await sessionRow(String(decodeJwt(user.accessToken).sid))).toMatchObject({ revoked_reason: 'logout' });

    expectErrorEnvelope(await me(user.accessToken), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(await refresh(user.refreshToken), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/logout', { token: user.accessToken }),
      401,
      'UNAUTHORIZED',
    );
    expect((await me(otherDevice.body.data.access_token)).status).toBe(200);
  });

  it('needs an access token', async () => {
    const user = await registerUser(server.url);
    expectErrorEnvelope(await request(server.url, 'POST', '/api/v1/auth/logout', {}), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/logout', { token: user.refreshToken }),
      401,
      'UNAUTHORIZED',
    );
    expect((await me(user.accessToken)).status).toBe(200);
  });
});

describe('services.auth.verifyAccessToken (the collaboration server uses it)', () => {
  it('returns the AuthContext of a live token and throws DomainError UNAUTHORIZED once the session is revoked', async () => {
    const user = await registerUser(server.url);
    const auth = server.server.services.auth;
    const context = await auth.verifyAccessToken(user.accessToken);
    expect(context).toEqual({
      userId: user.userId,
      contactZeroId: user.contactZeroId,
      email: user.email,
      sessionId: decodeJwt(user.accessToken).sid,
    });

    await auth.logout(context);
    const refused = await auth.verifyAccessToken(user.accessToken).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('UNAUTHORIZED');
    await expect(auth.verifyAccessToken(user.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(auth.verifyAccessToken('')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('services.auth.activeSessions and accessTokenValidUntil (the periodic collaboration re-auth)', () => {
  it('answers, in one call, the sessions still live with their users, and when a token expires', async () => {
    const auth = server.server.services.auth;
    const db = server.server.services.db;
    const [live, loggedOut, expired, suspended] = await Promise.all([0, 1, 2, 3].map(() => registerUser(server.url)));
    const contexts = await Promise.all(
      [live!, loggedOut!, expired!, suspended!].map((user) => auth.verifyAccessToken(user.accessToken)),
    );
    await auth.logout(contexts[1]!);
    await db.execute(
      sql`update auth_sessions set expires_at = now() - interval '1 second' where user_id = ${expired!.userId}`,
    );
    await db.execute(sql`update users set status = 'suspended' where id = ${suspended!.userId}`);
    const owners = await auth.activeSessions([
      ...contexts.map((context) => context.sessionId),
      randomUUID(),
      'not-a-uuid',
    ]);
    // Only the live one, with its own user (what a token naming another user is compared with).
    expect(owners).toEqual(new Map([[contexts[0]!.sessionId, live!.userId]]));
    expect(await auth.activeSessions([])).toEqual(new Map());

    // The expiry the verification enforces, with its clock tolerance (a few seconds).
    const exp = decodeJwt(live!.accessToken).exp!;
    const validUntil = auth.accessTokenValidUntil(live!.accessToken);
    expect(validUntil).toBeGreaterThanOrEqual(exp * 1000);
    expect(validUntil).toBeLessThanOrEqual((exp + 10) * 1000);
  });
});
