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

/** Follows the callback to the app's redirect_uri and returns that URL. */
async function toApp(jar: CookieJar, callback: URL): Promise<URL> {
  const stop = await follow(callback.href, jar, (url) => url.startsWith('http://app.test/'));
  expect(stop.url, `${stop.status} ${stop.body}`).toBeDefined();
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

    // The code works once.
    const again = await exchange(code);
    expectErrorEnvelope(again, 400, 'OIDC_SIGN_IN_FAILED');
    expect(again.body.error.details).toEqual({ reason: 'invalid_code' });
  });

  it('signs in again as the same user with 200, and an unverified email makes an account with email_verified_at null', async () => {
    const account = person({ email_verified: false });
    const first = await exchange((await signInAtProvider(account)).searchParams.get('code') as string);
    expect(first.status).toBe(201);
    expect(first.body.data.user.email_verified_at).toBeNull();
    const second = await exchange((await signInAtProvider(account)).searchParams.get('code') as string);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.data.user.id).toBe(first.body.data.user.id);
    expect(second.body.data.refresh_token).not.toBe(first.body.data.refresh_token);
    expect(await usersWithEmail(account.email)).toBe(1);
  });

  it('refuses a suspended account: account_inactive, and its pending code no longer signs in', async () => {
    const account = person();
    const signedUp = await exchange((await signInAtProvider(account)).searchParams.get('code') as string);
    const pending = (await signInAtProvider(account)).searchParams.get('code') as string;
    await server.server.services.db.execute(
      sql`update users set status = 'suspended' where id = ${signedUp.body.data.user.id}`,
    );
    await expectRefusedKeepingIdentity(await signInAtProvider(account), 'account_inactive');
    const late = await exchange(pending);
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
    const response = await exchange(code);
    expectErrorEnvelope(response, 400, 'OIDC_SIGN_IN_FAILED');
  });

  it('never signs into an existing account by email: unverified → email_unverified, verified → account_exists', async () => {
    const owner = await registerUser(server.url);
    const unverified = person({ email: owner.email, email_verified: false });
    await expectRefused(await signInAtProvider(unverified), 'email_unverified', unverified);
    const verified = person({ email: owner.email, email_verified: true });
    await expectRefused(await signInAtProvider(verified), 'account_exists', verified);
    expect(await usersWithEmail(owner.email)).toBe(1);
  });

  it('refuses a new account without a usable email: email_missing', async () => {
    for (const email of [undefined, 'not an address']) {
      const account = person({ email });
      await expectRefused(await signInAtProvider(account), 'email_missing', account);
    }
  });

  it('refuses a redirect_uri not on the allow-list, an unknown provider, and creates no flow', async () => {
    const db = server.server.services.db;
    const before = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from oidc_flows`);
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
    const after = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from oidc_flows`);
    expect(after[0]?.n).toBe(before[0]?.n);
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
    const response = await request(server.url, 'GET', callback.pathname + callback.search);
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
    const replay = await request(server.url, 'GET', callback.pathname + callback.search, { headers: { cookie } });
    expectErrorEnvelope(replay, 400, 'OIDC_SIGN_IN_FAILED');
    expect(replay.body.error.details).toEqual({ reason: 'invalid_state' });
    expect(await identitiesOf(account.sub)).toHaveLength(1);
  });

  it('a callback in another browser than the one that started (no flow cookie): invalid_state', async () => {
    const account = person();
    const callback = await toCallback(new CookieJar(), account);
    await expectRefused(await toApp(new CookieJar(), callback), 'invalid_state', account);
    expect(await usersWithEmail(account.email)).toBe(0);
  });

  it("a provider code used twice (an old code under a new flow's state): code_rejected", async () => {
    const jar = new CookieJar();
    const first = await toCallback(jar, person());
    expect((await toApp(jar, first)).searchParams.get('code')).toBeTruthy();
    const account = person();
    const second = await toCallback(jar, account);
    second.searchParams.set('code', first.searchParams.get('code') as string);
    await expectRefused(await toApp(jar, second), 'code_rejected', account);
  });

  it('a wrong PKCE verifier: code_rejected', async () => {
    const account = person();
    const jar = new CookieJar();
    const callback = await toCallback(jar, account);
    const stateHash = createHash('sha256')
      .update(callback.searchParams.get('state') as string)
      .digest('hex');
    await server.server.services.db.execute(
      sql`update oidc_flows set code_verifier = ${'x'.repeat(64)} where state_hash = ${stateHash}`,
    );
    await expectRefused(await toApp(jar, callback), 'code_rejected', account);
    expect(await usersWithEmail(account.email)).toBe(0);
  });

  it('the provider answers an error: provider_error', async () => {
    const account = person();
    const jar = new CookieJar();
    const callback = await toCallback(jar, account);
    callback.searchParams.delete('code');
    callback.searchParams.set('error', 'access_denied');
    await expectRefused(await toApp(jar, callback), 'provider_error', account);
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
      await expectRefused(await signInAtProvider(account), 'invalid_id_token', account);
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
    const app = await link(other.accessToken, account);
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
    const reused = await request(server.url, 'GET', start.pathname + start.search);
    expectErrorEnvelope(reused, 400, 'OIDC_SIGN_IN_FAILED');
    expect(reused.body.error.details).toEqual({ reason: 'invalid_link' });
  });

  it('linking needs a token and an allowed redirect_uri', async () => {
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
