// Sign-in through an OpenID Connect provider (docs/identity-providers.md) against a real provider
// (oidc-provider) running in this process, over real HTTP, on the engine the run selects.
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { registerUser } from '../helpers/auth.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import {
  CookieJar,
  follow,
  startServerWithProvider,
  type ProviderAccount,
  type TestIdentityProvider,
} from '../helpers/identity-provider.ts';
import type { TestServer } from '../helpers/server.ts';
import { linkToken, startMailTrap, type MailTrap } from '../helpers/smtp.ts';

const APP = 'http://app.test/auth/done';

let idp: TestIdentityProvider;
let server: TestServer;
let mail: MailTrap;

beforeAll(async () => {
  mail = await startMailTrap();
  ({ server, idp } = await startServerWithProvider({
    SMTP_URL: mail.url,
    PUBLIC_APP_URL: 'https://app.example.com/',
    OIDC_PROVIDERS: 'test',
    OIDC_TEST_LABEL: 'Test Provider',
    OIDC_REDIRECT_URIS: `${APP},http://app.test/other`,
  }));
});
afterEach(() => idp?.tamperIdTokens(undefined));
afterAll(async () => {
  await server?.destroy();
  await idp?.close();
  await mail?.close();
});

const person = (overrides: Partial<ProviderAccount> = {}): ProviderAccount => ({
  sub: `sub-${randomUUID()}`,
  email: `p-${randomUUID()}@example.com`,
  email_verified: true,
  name: 'Grace Hopper',
  ...overrides,
});

const startUrl = (redirectUri = APP) =>
  `${server.url}/api/v1/auth/oidc/test/start?redirect_uri=${encodeURIComponent(redirectUri)}`;
const isCallback = (url: string) => url.startsWith(`${server.url}/api/v1/auth/oidc/test/callback`);

/** Start → provider login → the callback URL the provider sends the browser to (not yet followed). */
async function toCallback(jar: CookieJar, account: ProviderAccount, start = startUrl()): Promise<URL> {
  idp.signInAs(account);
  const stop = await follow(start, jar, isCallback);
  expect(stop.url, `${stop.status} ${stop.body}`).toBeDefined();
  return new URL(stop.url as string);
}

/** Follows the callback to the app's redirect_uri (a 302) and returns that URL. */
async function toApp(jar: CookieJar, callback: URL): Promise<URL> {
  const stop = await follow(callback.href, jar, (url) => url.startsWith('http://app.test/'));
  expect(stop.url, `${stop.status} ${stop.body}`).toBeDefined();
  expect(stop.status).toBe(302);
  return new URL(stop.url as string);
}

async function signInAtProvider(account: ProviderAccount): Promise<URL> {
  const jar = new CookieJar();
  return toApp(jar, await toCallback(jar, account));
}

const exchange = (code: string) => request(server.url, 'POST', '/api/v1/auth/oidc/exchange', { body: { code } });

async function usersWithEmail(email: string | undefined): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    server.server.services.db,
    sql`select count(*)::int as n from users where email = ${email ?? ''}`,
  );
  return rows[0]?.n ?? -1;
}

async function identitiesOf(subject: string): Promise<Array<{ user_id: string }>> {
  return queryRows(server.server.services.db, sql`select user_id from user_identities where subject = ${subject}`);
}

const NOTHING = { users: 0, contacts: 0, folders: 0, identities: 0, sessions: 0, codes: 0 };

/**
 * Runs `act` and checks it created no row of a sign-in: no account (user, Contact Zero, folders),
 * identity, session or one-time code. Counted by creation time from the database's own clock,
 * since starting a flow sweeps expired codes.
 */
async function withNothingCreated<T>(act: () => Promise<T>): Promise<T> {
  const db = server.server.services.db;
  const [clock] = await queryRows<{ now: string }>(db, sql`select now()::text as now`);
  const since = clock?.now as string;
  const result = await act();
  const [created] = await queryRows<typeof NOTHING>(
    db,
    sql`select (select count(*)::int from users where created_at >= ${since}::timestamptz) as users,
      (select count(*)::int from contacts where created_at >= ${since}::timestamptz) as contacts,
      (select count(*)::int from folders where created_at >= ${since}::timestamptz) as folders,
      (select count(*)::int from user_identities where created_at >= ${since}::timestamptz) as identities,
      (select count(*)::int from auth_sessions where created_at >= ${since}::timestamptz) as sessions,
      (select count(*)::int from oidc_codes where created_at >= ${since}::timestamptz) as codes`,
  );
  expect(created).toEqual(NOTHING);
  return result;
}

const stateHashOf = (callback: URL) =>
  createHash('sha256')
    .update(callback.searchParams.get('state') as string)
    .digest('hex');

/** A refusal reported to the app: `?error=reason`, no code, and nothing created for the person. */
async function expectRefused(app: URL, reason: string, account: ProviderAccount): Promise<void> {
  expect(app.origin + app.pathname).toBe(APP);
  expect(app.searchParams.get('error')).toBe(reason);
  expect(app.searchParams.get('code')).toBeNull();
  expect(await identitiesOf(account.sub)).toHaveLength(0);
}

describe('identity provider sign-in', () => {
  it('lists the configured providers without a token', async () => {
    const response = await request(server.url, 'GET', '/api/v1/auth/oidc/providers');
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([{ name: 'test', label: 'Test Provider' }]);
  });

  it('signs up: a one-time code in the URL (never a token), exchanged once for the login answer with 201', async () => {
    const account = person();
    const app = await signInAtProvider(account);
    expect([...app.searchParams.keys()]).toEqual(['code']);
    expect(app.href).not.toMatch(/token/i);
    const code = app.searchParams.get('code') as string;
    const [stored] = await queryRows<{ seconds: number }>(
      server.server.services.db,
      sql`select extract(epoch from expires_at - created_at)::float8 as seconds from oidc_codes
        where code_hash = ${createHash('sha256').update(code).digest('hex')}`,
    );
    expect(stored?.seconds).toBeCloseTo(60, 0);

    const first = await exchange(code);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const data = first.body.data;
    expect(data.user).toMatchObject({ email: account.email, full_name: 'Grace Hopper', status: 'active' });
    expect(data.user.email_verified_at).not.toBeNull();
    expect(data.user).not.toHaveProperty('password_hash');
    expect(data.contact_zero).toMatchObject({ is_contact_zero: true, email: account.email, user_id: data.user.id });
    const me = await request(server.url, 'GET', '/api/v1/auth/me', { token: data.access_token });
    expect(me.status).toBe(200);
    expect(me.body.data.user.id).toBe(data.user.id);

    // Created exactly like registration: Contact Zero and the default folders, no password.
    const db = server.server.services.db;
    const folders = await queryRows<{ name: string }>(
      db,
      sql`select name from folders where user_id = ${data.user.id} and is_default order by sort_order`,
    );
    expect(folders.map((row) => row.name)).toEqual(['Projects', 'Areas', 'Resources', 'Archive']);
    const [user] = await queryRows<{ password_hash: string | null }>(
      db,
      sql`select password_hash from users where id = ${data.user.id}`,
    );
    expect(user?.password_hash).toBeNull();
    expect(await identitiesOf(account.sub)).toEqual([{ user_id: data.user.id }]);
    // No password means no password login, whatever is tried.
    const login = await request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: account.email, password: 'anything at all' },
    });
    expectErrorEnvelope(login, 401, 'INVALID_CREDENTIALS');
    // A verified address needs no verification mail.
    await server.server.services.accounts.settle();
    expect(mail.messages.filter((message) => message.to.includes(account.email as string))).toEqual([]);

    // The code works once.
    const again = await withNothingCreated(() => exchange(code));
    expectErrorEnvelope(again, 400, 'OIDC_SIGN_IN_FAILED');
    expect(again.body.error.details).toEqual({ reason: 'invalid_code' });
  });

  it('signs in again as the same user with 200; an unverified email makes an unverified account and mails the link', async () => {
    const account = person({ email_verified: false });
    const first = await exchange((await signInAtProvider(account)).searchParams.get('code') as string);
    expect(first.status).toBe(201);
    expect(first.body.data.user.email_verified_at).toBeNull();
    const second = await exchange((await signInAtProvider(account)).searchParams.get('code') as string);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.data.user.id).toBe(first.body.data.user.id);
    expect(second.body.data.refresh_token).not.toBe(first.body.data.refresh_token);
    expect(await usersWithEmail(account.email)).toBe(1);

    // Like registration, the unverified address gets the verification mail, and its link works.
    const token = linkToken(await mail.waitFor(account.email as string, /Confirm your email/), '/verify-email');
    expect((await request(server.url, 'POST', '/api/v1/auth/email/verify', { body: { token } })).status).toBe(204);
    const me = await request(server.url, 'GET', '/api/v1/auth/me', { token: second.body.data.access_token });
    expect(me.body.data.user.email_verified_at).not.toBeNull();
  });

  it('refuses a suspended account: account_inactive, and its pending code no longer signs in', async () => {
    const account = person();
    const signedUp = await exchange((await signInAtProvider(account)).searchParams.get('code') as string);
    const pending = (await signInAtProvider(account)).searchParams.get('code') as string;
    await server.server.services.db.execute(
      sql`update users set status = 'suspended' where id = ${signedUp.body.data.user.id}`,
    );
    await withNothingCreated(async () =>
      expectRefusedKeepingIdentity(await signInAtProvider(account), 'account_inactive'),
    );
    const late = await withNothingCreated(() => exchange(pending));
    expectErrorEnvelope(late, 400, 'OIDC_SIGN_IN_FAILED');
    expect(late.body.error.details).toEqual({ reason: 'account_inactive' });

    async function expectRefusedKeepingIdentity(app: URL, reason: string) {
      expect(app.searchParams.get('error')).toBe(reason);
      expect(app.searchParams.get('code')).toBeNull();
      expect(await identitiesOf(account.sub)).toHaveLength(1);
    }
  });

  it('an account without a password sets one through the reset flow; the session records the device', async () => {
    const account = person();
    const code = (await signInAtProvider(account)).searchParams.get('code') as string;
    const signedUp = await request(server.url, 'POST', '/api/v1/auth/oidc/exchange', {
      body: { code },
      headers: { 'user-agent': 'FrameLord app on the phone' },
    });
    expect(signedUp.status).toBe(201);
    const sessions = await request(server.url, 'GET', '/api/v1/auth/sessions', {
      token: signedUp.body.data.access_token,
    });
    expect(sessions.body.data).toEqual([
      expect.objectContaining({ current: true, user_agent: 'FrameLord app on the phone' }),
    ]);

    const forgot = await request(server.url, 'POST', '/api/v1/auth/password/forgot', {
      body: { email: account.email },
    });
    expect(forgot.status).toBe(202);
    const token = linkToken(await mail.waitFor(account.email as string, /Reset/), '/reset-password');
    const password = `first-password-${randomUUID()}`;
    const reset = await request(server.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token, new_password: password },
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(204);
    const login = await request(server.url, 'POST', '/api/v1/auth/login', { body: { email: account.email, password } });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.data.user.id).toBe(signedUp.body.data.user.id);

    // With a password, the provider is no longer the only way in: it may be unlinked.
    const accessToken = login.body.data.access_token as string;
    const [identity] = (await request(server.url, 'GET', '/api/v1/auth/identities', { token: accessToken })).body.data;
    const unlinked = await request(server.url, 'DELETE', `/api/v1/auth/identities/${identity.id}`, {
      token: accessToken,
    });
    expect(unlinked.status).toBe(204);
  });

  it('refuses an expired code', async () => {
    const code = (await signInAtProvider(person())).searchParams.get('code') as string;
    const hash = createHash('sha256').update(code).digest('hex');
    await server.server.services.db.execute(
      sql`update oidc_codes set expires_at = now() - interval '1 second' where code_hash = ${hash}`,
    );
    const response = await withNothingCreated(() => exchange(code));
    expectErrorEnvelope(response, 400, 'OIDC_SIGN_IN_FAILED');
    expect(response.body.error.details).toEqual({ reason: 'invalid_code' });
  });

  it('never signs into an existing account by email: unverified → email_unverified, verified → account_exists', async () => {
    const owner = await registerUser(server.url);
    const unverified = person({ email: owner.email, email_verified: false });
    await withNothingCreated(async () =>
      expectRefused(await signInAtProvider(unverified), 'email_unverified', unverified),
    );
    const verified = person({ email: owner.email, email_verified: true });
    await withNothingCreated(async () => expectRefused(await signInAtProvider(verified), 'account_exists', verified));
    expect(await usersWithEmail(owner.email)).toBe(1);
  });

  it('refuses a new account without a usable email: email_missing', async () => {
    for (const email of [undefined, 'not an address']) {
      const account = person({ email });
      await withNothingCreated(async () => expectRefused(await signInAtProvider(account), 'email_missing', account));
    }
  });

  it('refuses a redirect_uri not on the allow-list, an unknown provider, and creates no flow', async () => {
    const db = server.server.services.db;
    const before = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from oidc_flows`);
    await withNothingCreated(async () => {
      for (const target of [
        'https://evil.test/auth/done',
        `${APP}/../steal`,
        'http://app.test/auth/done?x=1',
        'nonsense',
      ]) {
        const response = await request(
          server.url,
          'GET',
          `/api/v1/auth/oidc/test/start?redirect_uri=${encodeURIComponent(target)}`,
        );
        expectErrorEnvelope(response, 400, 'VALIDATION_ERROR');
      }
      const unknown = await request(server.url, 'GET', `/api/v1/auth/oidc/nope/start?redirect_uri=${APP}`);
      expectErrorEnvelope(unknown, 404, 'NOT_FOUND');
    });
    const after = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from oidc_flows`);
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it('starts at the provider with PKCE (S256), state, nonce, the default scopes and PUBLIC_URL’s callback', async () => {
    const response = await request(server.url, 'GET', new URL(startUrl()).pathname + new URL(startUrl()).search, {
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string);
    expect(location.origin).toBe(new URL(idp.issuer).origin);
    const params = location.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(idp.clientId);
    expect(params.get('scope')).toBe('openid email profile');
    expect(params.get('redirect_uri')).toBe(
      `${server.server.services.config.publicUrl}/api/v1/auth/oidc/test/callback`,
    );
    expect(params.get('code_challenge_method')).toBe('S256');
    const [flow] = await queryRows<{ code_verifier: string; nonce: string; redirect_uri: string }>(
      server.server.services.db,
      sql`select code_verifier, nonce, redirect_uri from oidc_flows where state_hash = ${stateHashOf(location)}`,
    );
    expect(flow?.redirect_uri).toBe(APP);
    expect(params.get('nonce')).toBe(flow?.nonce);
    expect(params.get('code_challenge')).toBe(
      createHash('sha256')
        .update(flow?.code_verifier ?? '')
        .digest('base64url'),
    );
    // The browser binding: only this browser can finish the flow.
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('fl_oidc_'));
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\/api\/v1\/auth\/oidc\//i);
  });

  it('sends the app back to the redirect_uri chosen at start (another allowed one)', async () => {
    const jar = new CookieJar();
    const callback = await toCallback(jar, person(), startUrl('http://app.test/other'));
    const app = await toApp(jar, callback);
    expect(app.origin + app.pathname).toBe('http://app.test/other');
    expect(app.searchParams.get('code')).toBeTruthy();
  });
});

describe('refusals on the flow', () => {
  it('a state that matches no flow: 400 invalid_state, nothing to redirect to', async () => {
    const account = person();
    const jar = new CookieJar();
    const callback = await toCallback(jar, account);
    callback.searchParams.set('state', 'forged-state');
    const response = await withNothingCreated(() => request(server.url, 'GET', callback.pathname + callback.search));
    expectErrorEnvelope(response, 400, 'OIDC_SIGN_IN_FAILED');
    expect(response.body.error.details).toEqual({ reason: 'invalid_state' });
    expect(await identitiesOf(account.sub)).toHaveLength(0);
  });

  it('a callback replayed: the second one finds no flow', async () => {
    const account = person();
    const jar = new CookieJar();
    const callback = await toCallback(jar, account);
    // The replay even carries the starting browser's cookie.
    const cookie = jar.header(new URL(server.url)) as string;
    expect(cookie).toMatch(/^fl_oidc_/);
    expect((await toApp(jar, callback)).searchParams.get('code')).toBeTruthy();
    const replay = await withNothingCreated(() =>
      request(server.url, 'GET', callback.pathname + callback.search, { headers: { cookie } }),
    );
    expectErrorEnvelope(replay, 400, 'OIDC_SIGN_IN_FAILED');
    expect(replay.body.error.details).toEqual({ reason: 'invalid_state' });
    expect(await identitiesOf(account.sub)).toHaveLength(1);
  });

  it('a callback in another browser than the one that started (no flow cookie): invalid_state', async () => {
    const account = person();
    const callback = await toCallback(new CookieJar(), account);
    await withNothingCreated(async () =>
      expectRefused(await toApp(new CookieJar(), callback), 'invalid_state', account),
    );
    expect(await usersWithEmail(account.email)).toBe(0);
  });

  it('a callback on the path of a provider that is not configured: invalid_state, the flow is spent', async () => {
    const account = person();
    const jar = new CookieJar();
    const callback = await toCallback(jar, account);
    const cookie = jar.header(new URL(server.url)) as string;
    expect(cookie).toMatch(/^fl_oidc_/);
    const elsewhere = new URL(callback.href.replace('/oidc/test/callback', '/oidc/nope/callback'));
    const stop = await withNothingCreated(() =>
      follow(elsewhere.href, jar, (url) => url.startsWith('http://app.test/')),
    );
    await expectRefused(new URL(stop.url as string), 'invalid_state', account);
    // The right path afterwards finds no flow: a state is spent by its first callback.
    const late = await request(server.url, 'GET', callback.pathname + callback.search, { headers: { cookie } });
    expectErrorEnvelope(late, 400, 'OIDC_SIGN_IN_FAILED');
    expect(await usersWithEmail(account.email)).toBe(0);
  });

  it('a provider code used twice, under a new flow given the first flow’s PKCE verifier: code_rejected', async () => {
    const db = server.server.services.db;
    const jar = new CookieJar();
    const first = await toCallback(jar, person());
    const [firstFlow] = await queryRows<{ code_verifier: string; nonce: string }>(
      db,
      sql`select code_verifier, nonce from oidc_flows where state_hash = ${stateHashOf(first)}`,
    );
    expect((await toApp(jar, first)).searchParams.get('code')).toBeTruthy();
    const account = person();
    const second = await toCallback(jar, account);
    // Only the reuse can fail now: the verifier and nonce are the ones the first code was issued for.
    await db.execute(
      sql`update oidc_flows set code_verifier = ${firstFlow?.code_verifier}, nonce = ${firstFlow?.nonce}
        where state_hash = ${stateHashOf(second)}`,
    );
    second.searchParams.set('code', first.searchParams.get('code') as string);
    await withNothingCreated(async () => expectRefused(await toApp(jar, second), 'code_rejected', account));
  });

  it('a wrong PKCE verifier: code_rejected', async () => {
    const account = person();
    const jar = new CookieJar();
    const callback = await toCallback(jar, account);
    await server.server.services.db.execute(
      sql`update oidc_flows set code_verifier = ${'x'.repeat(64)} where state_hash = ${stateHashOf(callback)}`,
    );
    await withNothingCreated(async () => expectRefused(await toApp(jar, callback), 'code_rejected', account));
    expect(await usersWithEmail(account.email)).toBe(0);
  });

  it('the provider answers an error: provider_error', async () => {
    const account = person();
    const jar = new CookieJar();
    const callback = await toCallback(jar, account);
    callback.searchParams.delete('code');
    callback.searchParams.set('error', 'access_denied');
    await withNothingCreated(async () => expectRefused(await toApp(jar, callback), 'provider_error', account));
  });

  const forgeries: Array<[string, Parameters<TestIdentityProvider['tamperIdTokens']>[0]]> = [
    ['a nonce that is not the flow’s', { claims: (claims) => ({ ...claims, nonce: 'another-nonce' }) }],
    ['a bad signature', { foreignKey: true }],
    ['a wrong issuer', { claims: (claims) => ({ ...claims, iss: 'https://evil.test' }) }],
    ['a wrong audience', { claims: (claims) => ({ ...claims, aud: 'another-client' }) }],
    [
      'an expired token',
      {
        claims: (claims) => ({
          ...claims,
          iat: Math.floor(Date.now() / 1000) - 7200,
          exp: Math.floor(Date.now() / 1000) - 3600,
        }),
      },
    ],
  ];
  for (const [what, tamper] of forgeries) {
    it(`an id_token with ${what}: invalid_id_token, no account`, async () => {
      const account = person();
      idp.tamperIdTokens(tamper);
      await withNothingCreated(async () => expectRefused(await signInAtProvider(account), 'invalid_id_token', account));
      expect(await usersWithEmail(account.email)).toBe(0);
    });
  }
});

describe('linking and unlinking', () => {
  const link = async (token: string, account: ProviderAccount): Promise<URL> => {
    const started = await request(server.url, 'POST', '/api/v1/auth/identities', {
      token,
      body: { provider: 'test', redirect_uri: APP },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const jar = new CookieJar();
    return toApp(jar, await toCallback(jar, account, started.body.data.start_url));
  };

  it('the signed-in owner links a provider account, then signs in with it (even with an unverified email)', async () => {
    const owner = await registerUser(server.url);
    const account = person({ email: owner.email, email_verified: false });
    const app = await link(owner.accessToken, account);
    expect(app.searchParams.get('linked')).toBe('test');
    expect(app.searchParams.get('code')).toBeNull();
    const listed = await request(server.url, 'GET', '/api/v1/auth/identities', { token: owner.accessToken });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({ provider: 'test', email: owner.email, email_verified: false });

    const signedIn = await exchange((await signInAtProvider(account)).searchParams.get('code') as string);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.data.user.id).toBe(owner.userId);
  });

  it('refuses to link a provider account that belongs to another user, and a link ticket used twice', async () => {
    const account = person();
    await signInAtProvider(account);
    const [holder] = await identitiesOf(account.sub);
    const other = await registerUser(server.url);
    const app = await withNothingCreated(() => link(other.accessToken, account));
    expect(app.searchParams.get('error')).toBe('identity_in_use');
    expect(await identitiesOf(account.sub)).toEqual([holder]);

    const started = await request(server.url, 'POST', '/api/v1/auth/identities', {
      token: other.accessToken,
      body: { provider: 'test', redirect_uri: APP },
    });
    const start = new URL(started.body.data.start_url);
    expect(start.searchParams.get('link')).toBeTruthy();
    idp.signInAs(person());
    expect((await follow(start.href, new CookieJar(), isCallback)).url).toBeDefined();
    const reused = await withNothingCreated(() => request(server.url, 'GET', start.pathname + start.search));
    expectErrorEnvelope(reused, 400, 'OIDC_SIGN_IN_FAILED');
    expect(reused.body.error.details).toEqual({ reason: 'invalid_link' });
  });

  it('linking needs a token, a configured provider and an allowed redirect_uri', async () => {
    const anonymous = await request(server.url, 'POST', '/api/v1/auth/identities', {
      body: { provider: 'test', redirect_uri: APP },
    });
    expectErrorEnvelope(anonymous, 401, 'UNAUTHORIZED');
    const owner = await registerUser(server.url);
    const evil = await request(server.url, 'POST', '/api/v1/auth/identities', {
      token: owner.accessToken,
      body: { provider: 'test', redirect_uri: 'https://evil.test/' },
    });
    expectErrorEnvelope(evil, 400, 'VALIDATION_ERROR');
    const unknown = await withNothingCreated(() =>
      request(server.url, 'POST', '/api/v1/auth/identities', {
        token: owner.accessToken,
        body: { provider: 'nope', redirect_uri: APP },
      }),
    );
    expectErrorEnvelope(unknown, 404, 'NOT_FOUND');
  });

  it('unlinks, but never the last way to sign in, and never another user’s identity', async () => {
    const owner = await registerUser(server.url);
    await link(owner.accessToken, person());
    const [identity] = (await request(server.url, 'GET', '/api/v1/auth/identities', { token: owner.accessToken })).body
      .data;

    // A provider-only account: its single identity is its only way in.
    const only = await exchange((await signInAtProvider(person())).searchParams.get('code') as string);
    const token = only.body.data.access_token as string;
    const [onlyIdentity] = (await request(server.url, 'GET', '/api/v1/auth/identities', { token })).body.data;
    const refused = await request(server.url, 'DELETE', `/api/v1/auth/identities/${onlyIdentity.id}`, { token });
    expectErrorEnvelope(refused, 409, 'CONFLICT');
    expect((await request(server.url, 'GET', '/api/v1/auth/identities', { token })).body.data).toHaveLength(1);

    const foreign = await request(server.url, 'DELETE', `/api/v1/auth/identities/${identity.id}`, { token });
    expectErrorEnvelope(foreign, 404, 'NOT_FOUND');

    // The owner still has a password, so the identity can go.
    const unlinked = await request(server.url, 'DELETE', `/api/v1/auth/identities/${identity.id}`, {
      token: owner.accessToken,
    });
    expect(unlinked.status).toBe(204);
    expect(
      (await request(server.url, 'GET', '/api/v1/auth/identities', { token: owner.accessToken })).body.data,
    ).toEqual([]);
  });

  it('two unlinks racing for the last two identities of an account without a password: one wins, one 409', async () => {
    const signedUp = await exchange((await signInAtProvider(person())).searchParams.get('code') as string);
    const token = signedUp.body.data.access_token as string;
    expect((await link(token, person())).searchParams.get('linked')).toBe('test');
    const identities = (await request(server.url, 'GET', '/api/v1/auth/identities', { token })).body.data;
    expect(identities).toHaveLength(2);
    const answers = await Promise.all(
      identities.map((identity: { id: string }) =>
        request(server.url, 'DELETE', `/api/v1/auth/identities/${identity.id}`, { token }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 409]);
    expect((await request(server.url, 'GET', '/api/v1/auth/identities', { token })).body.data).toHaveLength(1);
  });
});
