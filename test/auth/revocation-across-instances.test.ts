// docs/accounts.md, "Sessions": ending a session on one instance closes its collaboration socket on
// another at once, through Redis (REDIS_URL). Two servers on one PostgreSQL database and one Redis
// prefix; the socket lives on the second, the session (or the whole account) is ended through the first.
import { randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../helpers/auth.ts';
import { connectProvider, destroyProviders, type TestProvider, waitFor, waitSynced } from '../helpers/collab.ts';
import { provisionDatabase, testEngine, type ProvisionedDatabase } from '../helpers/database.ts';
import { request } from '../helpers/http.ts';
import { startTestServerOn, type TestServer } from '../helpers/server.ts';
import { deleteRedisKeys, REDIS_URL, uniquePrefix } from '../scale/cluster.ts';

const postgres = testEngine() === 'postgres';
let database: ProvisionedDatabase;
let first: TestServer;
let second: TestServer;
let prefix: string;
const clients: TestProvider[] = [];

beforeAll(async () => {
  if (!postgres) return;
  database = await provisionDatabase();
  prefix = uniquePrefix('revocation');
  const env = {
    REDIS_URL,
    REDIS_PREFIX: prefix,
    JWT_SECRET: randomBytes(32).toString('hex'),
    // Ten minutes: only the relayed revocation can close the socket within the test.
    COLLAB_REAUTH_INTERVAL_MS: '600000',
  };
  first = await startTestServerOn(database, env);
  second = await startTestServerOn(database, env);
});
afterAll(async () => {
  destroyProviders(clients);
  await first?.stop();
  await second?.stop();
  if (prefix) await deleteRedisKeys(prefix);
  await database?.drop();
});

describe.skipIf(!postgres)('session revocation across instances (PostgreSQL and Redis)', () => {
  it('ending a session on one instance closes its socket on the other; logout-all closes the rest', async () => {
    const user = await registerUser(first.url);
    const login = await request(second.url, 'POST', '/api/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    const other = login.body.data.access_token as string;
    const document = `relay-${randomUUID()}`;
    const ended = connectProvider(second.collabUrl, document, other);
    const kept = connectProvider(second.collabUrl, document, user.accessToken);
    clients.push(ended, kept);
    await Promise.all([waitSynced(ended), waitSynced(kept)]);

    const response = await request(first.url, 'DELETE', `/api/v1/auth/sessions/${String(decodeJwt(other).sid)}`, {
      token: user.accessToken,
    });
    expect(response.status).toBe(204);
    await waitFor(
      () => ended.closes.some((close) => close.code === 4401),
      5000,
      'the socket on the other instance closed',
    );
    expect(kept.closes).toEqual([]);

    expect((await request(first.url, 'POST', '/api/v1/auth/logout-all', { token: user.accessToken })).status).toBe(204);
    await waitFor(() => kept.closes.some((close) => close.code === 4401), 5000, 'every socket closed');
  });

  it('closing the account on one instance closes its sockets and kills its tokens on the other', async () => {
    const user = await registerUser(first.url);
    const bystander = await registerUser(first.url);
    const document = `closing-${randomUUID()}`;
    const live = connectProvider(second.collabUrl, document, user.accessToken);
    const untouched = connectProvider(second.collabUrl, `other-${randomUUID()}`, bystander.accessToken);
    clients.push(live, untouched);
    await Promise.all([waitSynced(live), waitSynced(untouched)]);

    const deleted = await request(first.url, 'DELETE', '/api/v1/auth/account', {
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(deleted.status).toBe(204);
    await waitFor(
      () => live.closes.some((close) => close.code === 4401),
      5000,
      'the socket on the other instance closed',
    );
    expect((await request(second.url, 'GET', '/api/v1/auth/me', { token: user.accessToken })).status).toBe(401);
    expect(
      (await request(second.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refreshToken } }))
        .status,
    ).toBe(401);
    expect(untouched.closes).toEqual([]);
    expect((await request(second.url, 'GET', '/api/v1/auth/me', { token: bystander.accessToken })).status).toBe(200);
  });
});
