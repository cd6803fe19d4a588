import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request, type JsonResponse } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { awayFromWindowEdge } from './window-edge.ts';

const LIMITS = {
  RATE_LIMITS: 'on',
  RATE_LIMIT_LOGIN_PER_EMAIL: '3',
  RATE_LIMIT_LOGIN_PER_IP: '5',
  RATE_LIMIT_LOGIN_WINDOW_SECONDS: '600',
  RATE_LIMIT_LOGIN_PER_EMAIL_ALL_ADDRESSES: '6',
  RATE_LIMIT_LOGIN_SUCCESS_PER_IP: '3',
  RATE_LIMIT_REGISTER_PER_IP_PER_HOUR: '3',
  RATE_LIMIT_API_PER_MINUTE: '5',
};

let proxied: TestServer;
let direct: TestServer;
beforeAll(async () => {
  [proxied, direct] = await Promise.all([startTestServer({ ...LIMITS, TRUST_PROXY: 'on' }), startTestServer(LIMITS)]);
});
afterAll(async () => {
  await Promise.all([proxied?.destroy(), direct?.destroy()]);
});

let nextAddress = 1;
/** A fresh client address per use (TEST-NET-3), sent the way nginx forwards it. */
const freshAddress = () => `203.0.113.${nextAddress++}`;
const from = (address: string) => ({ 'x-forwarded-for': `10.9.9.9, ${address}` });

async function signUp(
  server: TestServer,
  address: string,
  email = `rl-${randomUUID()}@example.com`,
  password = 'long enough password',
) {
  const response = await request(server.url, 'POST', '/api/v1/auth/register', {
    body: { email, password, full_name: 'Rate Limited' },
    headers: from(address),
  });
  return { response, email, password };
}

const login = (server: TestServer, address: string, email: string, password: string) =>
  request(server.url, 'POST', '/api/v1/auth/login', { body: { email, password }, headers: from(address) });

function expectTooMany(response: JsonResponse, maxSeconds: number): void {
  expectErrorEnvelope(response, 429, 'RATE_LIMIT_EXCEEDED');
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
}

describe('login throttling', () => {
  it('refuses a guesser after its budget for the email (429, Retry-After), while the owner still signs in from an address without failures', async () => {
    await awayFromWindowEdge(600);
    const { response, email, password } = await signUp(proxied, freshAddress());
    expect(response.status).toBe(201);
    const guesser = freshAddress();
    for (let i = 0; i < 3; i += 1)
      expectErrorEnvelope(await login(proxied, guesser, email, 'wrong password'), 401, 'INVALID_CREDENTIALS');
    expectTooMany(await login(proxied, guesser, email, password), 600);
    expectTooMany(await login(proxied, guesser, email.toUpperCase(), 'wrong password'), 600);
    // The owner, from an address that never failed, is not locked out (this used to be 429).
    expect((await login(proxied, freshAddress(), email, password)).status).toBe(200);
  });

  it('past the per-email budget across addresses, an address that failed is refused; one that did not still gets its try', async () => {
    await awayFromWindowEdge(600);
    const { email, password } = await signUp(proxied, freshAddress());
    const guessers = Array.from({ length: 6 }, () => freshAddress());
    for (const guesser of guessers) expect((await login(proxied, guesser, email, 'wrong password')).status).toBe(401);
    expectTooMany(await login(proxied, guessers[0]!, email, 'another guess'), 600);
    expect((await login(proxied, freshAddress(), email, 'yet another guess')).status).toBe(401);
    expect((await login(proxied, freshAddress(), email, password)).status).toBe(200);
  });

  it('limits successful logins per address (RATE_LIMIT_LOGIN_SUCCESS_PER_IP a minute)', async () => {
    await awayFromWindowEdge(60);
    const { email, password } = await signUp(proxied, freshAddress());
    const office = freshAddress();
    for (let i = 0; i < 3; i += 1) expect((await login(proxied, office, email, password)).status).toBe(200);
    expectTooMany(await login(proxied, office, email, password), 60);
    expect((await login(proxied, freshAddress(), email, password)).status).toBe(200);
  });

  it('counts failures only: a successful login clears the email budget', async () => {
    await awayFromWindowEdge(600);
    const { email, password } = await signUp(proxied, freshAddress());
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 2; i += 1)
        expect((await login(proxied, freshAddress(), email, 'wrong password')).status).toBe(401);
      expect((await login(proxied, freshAddress(), email, password)).status).toBe(200);
    }
  });

  it('refuses an address after its failed-login budget, whichever email it tries; other addresses go on', async () => {
    await awayFromWindowEdge(600);
    const attacker = freshAddress();
    for (let i = 0; i < 5; i += 1)
      expect((await login(proxied, attacker, `nobody-${randomUUID()}@example.com`, 'guess')).status).toBe(401);
    const victim = await signUp(proxied, freshAddress());
    expectTooMany(await login(proxied, attacker, victim.email, victim.password), 600);
    expect((await login(proxied, freshAddress(), victim.email, victim.password)).status).toBe(200);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: the socket address is the one counted', async () => {
    await awayFromWindowEdge(600);
    for (let i = 0; i < 5; i += 1)
      expect((await login(direct, freshAddress(), `nobody-${randomUUID()}@example.com`, 'guess')).status).toBe(401);
    expectTooMany(await login(direct, freshAddress(), `nobody-${randomUUID()}@example.com`, 'guess'), 600);
  });
});

describe('sign-up throttling', () => {
  it('allows the configured sign-ups per address per hour, then 429 with Retry-After', async () => {
    await awayFromWindowEdge(3600);
    const address = freshAddress();
    for (let i = 0; i < 3; i += 1) expect((await signUp(proxied, address)).response.status).toBe(201);
    expectTooMany((await signUp(proxied, address)).response, 3600);
    expect((await signUp(proxied, freshAddress())).response.status).toBe(201);
  });
});

describe('per-user API limit', () => {
  it('sets X-RateLimit-* on every authenticated response and answers 429 with Retry-After past the limit', async () => {
    const { response } = await signUp(proxied, freshAddress());
    const token = response.body.data.access_token;
    expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    await awayFromWindowEdge(60);
    const answers: JsonResponse[] = [];
    for (let i = 0; i < 4; i += 1) answers.push(await request(proxied.url, 'GET', '/api/v1/auth/me', { token }));
    // Error answers of a signed-in caller count and carry the headers too.
    answers.push(await request(proxied.url, 'GET', '/api/v1/no-such-route', { token }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 404]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-limit'))).toEqual(['5', '5', '5', '5', '5']);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0']);
    const reset = Number(answers[0]!.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    expect(reset % 60).toBe(0);

    const refused = await request(proxied.url, 'GET', '/api/v1/auth/me', { token });
    expectTooMany(refused, 60);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('5');

    // The budget is per user: someone else is served.
    const other = await signUp(proxied, freshAddress());
    const served = await request(proxied.url, 'GET', '/api/v1/auth/me', {
      token: other.response.body.data.access_token,
    });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it('sends no X-RateLimit headers when limits are off', async () => {
    const server = await startTestServer({ RATE_LIMITS: 'off' });
    try {
      const register = await request(server.url, 'POST', '/api/v1/auth/register', {
        body: { email: `off-${randomUUID()}@example.com`, password: 'long enough', full_name: 'Off' },
      });
      const me = await request(server.url, 'GET', '/api/v1/auth/me', { token: register.body.data.access_token });
      expect(me.status).toBe(200);
      expect(me.headers.get('x-ratelimit-limit')).toBeNull();
    } finally {
      await server.destroy();
    }
  });
});
