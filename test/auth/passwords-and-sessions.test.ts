// docs/accounts.md: password change, forgot/reset through a real SMTP server, the session list,
// ending sessions (tokens and live collaboration sockets), and the refresh grace.
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { queryRows } from '../../src/db/rows.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { connectKept, connectProvider, type TestProvider, waitFor, waitSynced } from '../helpers/collab.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { destroyProvidersAndServer, startServerWithMailTrap } from '../helpers/server-with-users.ts';
import { linkToken, mailParts, tokenOutsideLink, type MailTrap } from '../helpers/smtp.ts';

let server: TestServer;
let mail: MailTrap;
const clients: TestProvider[] = [];

beforeAll(async () => {
  [server, mail] = await startServerWithMailTrap({
    PUBLIC_APP_URL: 'https://app.example.com/',
    // Long: a socket that closes at once was closed by the revocation, not by the periodic re-auth.
    COLLAB_REAUTH_INTERVAL_MS: '600000',
  });
});
afterAll(async () => {
  await destroyProvidersAndServer(clients, server);
  await mail?.close();
});

const me = (token: string) => request(server.url, 'GET', '/api/v1/auth/me', { token });
const login = (email: string, password: string, userAgent = 'test-agent') =>
  request(server.url, 'POST', '/api/v1/auth/login', {
    body: { email, password },
    headers: { 'user-agent': userAgent },
  });
const refresh = (refreshToken: string) =>
  request(server.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: refreshToken } });
const db = () => server.server.services.db;

async function secondDevice(user: RegisteredUser, userAgent = 'second-device') {
  const response = await login(user.email, user.password, userAgent);
  expect(response.status).toBe(200);
  return {
    accessToken: response.body.data.access_token as string,
    refreshToken: response.body.data.refresh_token as string,
  };
}

/** One document open in two sessions: a synced socket each, in the order of the tokens. */
async function editingTogether(first: string, second: string): Promise<[TestProvider, TestProvider]> {
  const document = `together-${randomUUID()}`;
  const sockets: [TestProvider, TestProvider] = [
    connectProvider(server.collabUrl, document, first),
    connectProvider(server.collabUrl, document, second),
  ];
  clients.push(...sockets);
  await Promise.all(sockets.map((socket) => waitSynced(socket)));
  return sockets;
}

describe('POST /api/v1/auth/password', () => {
  it('changes the password and signs out every other session, keeping this one', async () => {
    const user = await registerUser(server.url);
    const other = await secondDevice(user);
    const newPassword = `new-${randomUUID()}`;
    const response = await request(server.url, 'POST', '/api/v1/auth/password', {
      token: user.accessToken,
      body: { current_password: user.password, new_password: newPassword },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(204);
    expect((await me(user.accessToken)).status).toBe(200);
    expectErrorEnvelope(await me(other.accessToken), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(await refresh(other.refreshToken), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(await login(user.email, user.password), 401, 'INVALID_CREDENTIALS');
    expect((await login(user.email, newPassword)).status).toBe(200);
  });

  it('refuses a wrong current password with INVALID_CREDENTIALS and changes nothing; validates the new one', async () => {
    const user = await registerUser(server.url);
    const wrong = await request(server.url, 'POST', '/api/v1/auth/password', {
      token: user.accessToken,
      body: { current_password: 'not-the-password', new_password: `new-${randomUUID()}` },
    });
    expectErrorEnvelope(wrong, 401, 'INVALID_CREDENTIALS');
    expect((await login(user.email, user.password)).status).toBe(200);
    const short = await request(server.url, 'POST', '/api/v1/auth/password', {
      token: user.accessToken,
      body: { current_password: user.password, new_password: 'short' },
    });
    expectErrorEnvelope(short, 400, 'VALIDATION_ERROR');
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/password', {
        body: { current_password: user.password, new_password: `new-${randomUUID()}` },
      }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('forgot and reset', () => {
  it('mails a single-use link to the app; the reset sets the password and ends every session', async () => {
    const user = await registerUser(server.url);
    const other = await secondDevice(user);
    const forgot = await request(server.url, 'POST', '/api/v1/auth/password/forgot', {
      body: { email: user.email.toUpperCase() },
    });
    expect(forgot.status).toBe(202);
    expect(forgot.body).toEqual({ data: { accepted: true } });
    const message = await mail.waitFor(user.email, /Reset your FrameLord password/);
    const token = linkToken(message, '/reset-password');
    const link = `https://app.example.com/reset-password?token=${encodeURIComponent(token)}`;
    // Both bodies carry the link to the app's page, and the token appears nowhere else.
    const { text, html } = mailParts(message);
    expect(text).toContain(link);
    expect(html).toContain(`href="${link}"`);
    expect(tokenOutsideLink(message, '/reset-password', token)).toBe(0);
    // Stored hashed: the token itself is nowhere in the database. Valid one hour.
    const stored = await queryRows<{ token_hash: string; purpose: string; valid_seconds: string }>(
      db(),
      sql`select token_hash, purpose, extract(epoch from expires_at - created_at)::int as valid_seconds
          from account_tokens where user_id = ${user.userId}`,
    );
    expect(stored).toHaveLength(2); // the verification of the registration and this reset
    expect(JSON.stringify(stored)).not.toContain(token);
    const resetRow = stored.find((row) => row.purpose === 'password_reset');
    expect(resetRow?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(Math.abs(Number(resetRow?.valid_seconds) - 3600)).toBeLessThanOrEqual(2);

    const newPassword = `reset-${randomUUID()}`;
    const reset = await request(server.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token, new_password: newPassword },
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(204);
    for (const session of [user, other]) {
      expectErrorEnvelope(await me(session.accessToken), 401, 'UNAUTHORIZED');
      expectErrorEnvelope(await refresh(session.refreshToken), 401, 'UNAUTHORIZED');
    }
    expectErrorEnvelope(await login(user.email, user.password), 401, 'INVALID_CREDENTIALS');
    const signedIn = await login(user.email, newPassword);
    expect(signedIn.status).toBe(200);
    // The mail reached the address, so it is proven.
    expect(signedIn.body.data.user.email_verified_at).not.toBeNull();

    const again = await request(server.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token, new_password: `again-${randomUUID()}` },
    });
    expectErrorEnvelope(again, 400, 'VALIDATION_ERROR');
    expect(again.body.error.details).toEqual([{ field: 'token', message: 'is invalid, expired or already used' }]);
    expect((await login(user.email, newPassword)).status).toBe(200);
    // Nothing secret in the log: the token was mailed, not logged.
    expect(server.logs.text()).not.toContain(token);
  });

  it('answers an unknown address exactly like a known one and mails nothing', async () => {
    const user = await registerUser(server.url);
    const unknown = `nobody-${randomUUID()}@example.com`;
    const timed = async (email: string) => {
      const started = performance.now();
      const response = await request(server.url, 'POST', '/api/v1/auth/password/forgot', { body: { email } });
      return { response, ms: performance.now() - started };
    };
    await mail.waitFor(user.email, /Confirm your email/);
    const resets = () => mail.messages.filter((m) => m.to.includes(user.email) && /Reset/.test(m.subject)).length;
    // A mail server that takes 3 seconds to accept a message: an answer that waited for the
    // lookup, the token or the mail would take at least that long for the known address.
    mail.hold(3000);
    try {
      const known = await timed(user.email);
      expect(resets()).toBe(0);
      const missing = await timed(unknown);
      expect(missing.response.status).toBe(known.response.status);
      expect(missing.response.body).toEqual(known.response.body);
      expect([...missing.response.headers.keys()].sort()).toEqual([...known.response.headers.keys()].sort());
      // Neither answer waited (generous bound for a loaded machine, still under the hold).
      expect(Math.max(known.ms, missing.ms)).toBeLessThan(2000);
      await mail.waitFor(user.email, /Reset/);
    } finally {
      mail.hold(0);
    }
    await server.server.services.accounts.settle();
    expect(mail.messages.some((message) => message.to.includes(unknown))).toBe(false);
  });

  it('refuses an expired token and a token of another purpose', async () => {
    const user = await registerUser(server.url);
    const verification = linkToken(await mail.waitFor(user.email, /Confirm your email/), '/verify-email');
    const asReset = await request(server.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token: verification, new_password: `x-${randomUUID()}` },
    });
    expectErrorEnvelope(asReset, 400, 'VALIDATION_ERROR');

    await request(server.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: user.email } });
    const token = linkToken(await mail.waitFor(user.email, /Reset/), '/reset-password');
    await db().execute(
      sql`update account_tokens set expires_at = now() - interval '1 second' where user_id = ${user.userId} and purpose = 'password_reset'`,
    );
    const expired = await request(server.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token, new_password: `x-${randomUUID()}` },
    });
    expectErrorEnvelope(expired, 400, 'VALIDATION_ERROR');
    expect((await login(user.email, user.password)).status).toBe(200);
  });

  it('lets an account without a password (signed up another way) set one', async () => {
    const user = await registerUser(server.url);
    await db().execute(sql`update users set password_hash = null where id = ${user.userId}`);
    expectErrorEnvelope(await login(user.email, user.password), 401, 'INVALID_CREDENTIALS');
    await request(server.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: user.email } });
    const token = linkToken(await mail.waitFor(user.email, /Reset/), '/reset-password');
    const newPassword = `first-${randomUUID()}`;
    const reset = await request(server.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token, new_password: newPassword },
    });
    expect(reset.status).toBe(204);
    expect((await login(user.email, newPassword)).status).toBe(200);
  });
});

describe('sessions', () => {
  it('lists live sessions with the caller marked, ends one, and refuses another user’s', async () => {
    const user = await registerUser(server.url);
    const other = await secondDevice(user, 'Firefox on the laptop');
    const listed = await request(server.url, 'GET', '/api/v1/auth/sessions', { token: user.accessToken });
    expect(listed.status).toBe(200);
    const sessions = listed.body.data as Array<Record<string, unknown>>;
    expect(sessions).toHaveLength(2);
    const mine = sessions.find((session) => session.current === true);
    const theirs = sessions.find((session) => session.current === false);
    expect(mine?.id).toBe(decodeJwt(user.accessToken).sid);
    expect(theirs).toMatchObject({ id: decodeJwt(other.accessToken).sid, user_agent: 'Firefox on the laptop' });
    expect(theirs?.ip_address).toMatch(/127\.0\.0\.1/);
    expect(Object.keys(theirs ?? {}).sort()).toEqual(
      ['created_at', 'current', 'expires_at', 'id', 'ip_address', 'last_used_at', 'user_agent'].sort(),
    );

    const stranger = await registerUser(server.url);
    const foreign = await request(server.url, 'DELETE', `/api/v1/auth/sessions/${String(theirs?.id)}`, {
      token: stranger.accessToken,
    });
    expectErrorEnvelope(foreign, 404, 'NOT_FOUND');
    expect((await me(other.accessToken)).status).toBe(200);

    const ended = await request(server.url, 'DELETE', `/api/v1/auth/sessions/${String(theirs?.id)}`, {
      token: user.accessToken,
    });
    expect(ended.status).toBe(204);
    expectErrorEnvelope(await me(other.accessToken), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(await refresh(other.refreshToken), 401, 'UNAUTHORIZED');
    expect((await me(user.accessToken)).status).toBe(200);
    const after = await request(server.url, 'GET', '/api/v1/auth/sessions', { token: user.accessToken });
    expect(after.body.data.map((session: { id: string }) => session.id)).toEqual([mine?.id]);
    const twice = await request(server.url, 'DELETE', `/api/v1/auth/sessions/${String(theirs?.id)}`, {
      token: user.accessToken,
    });
    expectErrorEnvelope(twice, 404, 'NOT_FOUND');
    expectErrorEnvelope(
      await request(server.url, 'DELETE', '/api/v1/auth/sessions/not-a-uuid', { token: user.accessToken }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('logout-all ends every session of the user and no one else’s', async () => {
    const user = await registerUser(server.url);
    const other = await secondDevice(user);
    const bystander = await registerUser(server.url);
    const response = await request(server.url, 'POST', '/api/v1/auth/logout-all', { token: user.accessToken });
    expect(response.status).toBe(204);
    for (const session of [user, other]) {
      expectErrorEnvelope(await me(session.accessToken), 401, 'UNAUTHORIZED');
      expectErrorEnvelope(await refresh(session.refreshToken), 401, 'UNAUTHORIZED');
    }
    expect((await me(bystander.accessToken)).status).toBe(200);
  });

  it('closes the collaboration sockets of an ended session at once, and only those', async () => {
    const user = await registerUser(server.url);
    const other = await secondDevice(user);
    const [kept, ended] = await editingTogether(user.accessToken, other.accessToken);
    const sessionId = String(decodeJwt(other.accessToken).sid);
    const response = await request(server.url, 'DELETE', `/api/v1/auth/sessions/${sessionId}`, {
      token: user.accessToken,
    });
    expect(response.status).toBe(204);
    // The periodic re-auth is 10 minutes away: only the revocation event can close it this soon.
    await waitFor(() => ended.closes.some((close) => close.code === 4401), 5000, 'the ended session’s socket closed');
    expect(kept.closes).toEqual([]);

    await request(server.url, 'POST', '/api/v1/auth/logout-all', { token: user.accessToken });
    await waitFor(() => kept.closes.some((close) => close.code === 4401), 5000, 'every socket closed');
  });
});

describe('a password change or reset closes the sockets of the sessions it ends', () => {
  it('a change closes every other session’s socket and keeps this one’s; a reset closes all', async () => {
    const user = await registerUser(server.url);
    const other = await secondDevice(user);
    const [mine, theirs] = await editingTogether(user.accessToken, other.accessToken);
    const newPassword = `new-${randomUUID()}`;
    const changed = await request(server.url, 'POST', '/api/v1/auth/password', {
      token: user.accessToken,
      body: { current_password: user.password, new_password: newPassword },
    });
    expect(changed.status).toBe(204);
    // The periodic re-auth is 10 minutes away: only the revocation event can close it this soon.
    await waitFor(() => theirs.closes.some((close) => close.code === 4401), 5000, 'the other session’s socket closed');
    expect(mine.closes).toEqual([]);

    await request(server.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: user.email } });
    const token = linkToken(await mail.waitFor(user.email, /Reset/), '/reset-password');
    const reset = await request(server.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token, new_password: `reset-${randomUUID()}` },
    });
    expect(reset.status).toBe(204);
    await waitFor(() => mine.closes.some((close) => close.code === 4401), 5000, 'this session’s socket closed too');
  });
});

describe('refresh grace (REFRESH_REUSE_GRACE_SECONDS)', () => {
  it('answers two concurrent refreshes with the same token with the same new pair', async () => {
    const user = await registerUser(server.url);
    const [first, second] = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.data).toEqual(first.body.data);
    expect(first.body.data.refresh_token).not.toBe(user.refreshToken);
    expect((await me(first.body.data.access_token)).status).toBe(200);
    // A retry a moment later gets it again; the pair keeps working.
    const retry = await refresh(user.refreshToken);
    expect(retry.body.data).toEqual(first.body.data);
    const next = await refresh(first.body.data.refresh_token);
    expect(next.status).toBe(200);
  });

  it('after the grace, the rotated token is reuse: the session is revoked', async () => {
    const user = await registerUser(server.url);
    const rotated = await refresh(user.refreshToken);
    expect(rotated.status).toBe(200);
    const socket = connectKept(clients, server.collabUrl, `reuse-${randomUUID()}`, rotated.body.data.access_token);
    await waitSynced(socket);
    const sessionId = String(decodeJwt(user.accessToken).sid);
    await db().execute(
      sql`update auth_sessions set last_refreshed_at = last_refreshed_at - interval '31 seconds' where id = ${sessionId}`,
    );
    expectErrorEnvelope(await refresh(user.refreshToken), 401, 'UNAUTHORIZED');
    // The revoked session's socket closes at once, as for any other ended session.
    await waitFor(() => socket.closes.some((close) => close.code === 4401), 5000, 'the reused session’s socket closed');
    const [row] = await queryRows<{ revoked_reason: string }>(
      db(),
      sql`select revoked_reason from auth_sessions where id = ${sessionId}`,
    );
    expect(row?.revoked_reason).toBe('refresh_token_reuse');
    expectErrorEnvelope(await me(rotated.body.data.access_token), 401, 'UNAUTHORIZED');
  });

  it('is 30 seconds by default; a configured grace is honoured in real time', async () => {
    expect(loadConfig({}).refreshReuseGraceSeconds).toBe(30);
    const short = await startTestServer({ REFRESH_REUSE_GRACE_SECONDS: '2' });
    try {
      const user = await registerUser(short.url);
      const again = (token: string) =>
        request(short.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: token } });
      const first = await again(user.refreshToken);
      const retry = await again(user.refreshToken);
      expect(retry.status).toBe(200);
      expect(retry.body.data).toEqual(first.body.data);
      // Past the 2 seconds (the rotation time is kept in whole seconds): reuse, the session ends.
      await new Promise((resolve) => setTimeout(resolve, 3100));
      expectErrorEnvelope(await again(user.refreshToken), 401, 'UNAUTHORIZED');
      expectErrorEnvelope(await again(first.body.data.refresh_token), 401, 'UNAUTHORIZED');
    } finally {
      await short.destroy();
    }
  });

  it('a token two rotations old is reuse even within the grace', async () => {
    const user = await registerUser(server.url);
    const first = await refresh(user.refreshToken);
    const second = await refresh(first.body.data.refresh_token);
    expect(second.status).toBe(200);
    expectErrorEnvelope(await refresh(user.refreshToken), 401, 'UNAUTHORIZED');
    expectErrorEnvelope(await me(second.body.data.access_token), 401, 'UNAUTHORIZED');
  });
});
