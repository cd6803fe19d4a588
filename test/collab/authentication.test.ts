import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import {
  connectKept,
  rawCollabClient,
  textOf,
  waitAcknowledged,
  waitFor,
  waitSynced,
  type TestProvider,
} from '../helpers/collab.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { destroyProvidersAndServer, startServerWithUsers } from '../helpers/server-with-users.ts';
import { noteOf, storedText } from './fixtures.ts';

let server: TestServer;
let alice: RegisteredUser;
let bob: RegisteredUser;
const clients: TestProvider[] = [];

const connect = (name: string, token: string) => connectKept(clients, server.collabUrl, name, token);
const noteCount = async (target: TestServer = server) =>
  Number((await queryRows<{ n: string }>(target.server.services.db, sql`select count(*) as n from notes`))[0]!.n);

beforeAll(async () => {
  [server, alice, bob] = await startServerWithUsers(2, { COLLAB_REAUTH_INTERVAL_MS: '250' });
});
afterAll(() => destroyProvidersAndServer(clients, server));

describe('collaboration authentication', () => {
  it('refuses a bad token and creates nothing', async () => {
    const before = await noteCount();
    const client = connect('never-created', 'not-a-token');
    await waitFor(() => client.denials.length > 0);
    expect(client.denials).toEqual(['permission-denied']);
    expect(client.provider.isSynced).toBe(false);
    expect(await noteOf(server, 'never-created')).toBeUndefined();
    expect(await noteCount()).toBe(before);
  });

  it("refuses another user's document exactly like a bad token, and changes nothing in it", async () => {
    const owner = connect('alice-only', alice.accessToken);
    await waitSynced(owner);
    owner.doc.getText('text').insert(0, 'private');
    await waitAcknowledged(owner);
    const before = await noteCount();

    const intruder = connect('alice-only', bob.accessToken);
    const badToken = connect('alice-only', 'not-a-token');
    await waitFor(() => intruder.denials.length > 0 && badToken.denials.length > 0);
    expect(intruder.denials).toEqual(badToken.denials);
    expect(intruder.doc.getText('text').toString()).toBe('');
    expect(await noteCount()).toBe(before);
    expect((await noteOf(server, 'alice-only'))!.user_id).toBe(alice.userId);
  });

  it.each([['has space'], ['x'.repeat(256)], ['slash/name']])(
    'refuses the malformed document name %j and creates nothing',
    async (name) => {
      const before = await noteCount();
      const client = await rawCollabClient(server.collabUrl);
      try {
        expect(await client.authenticate(name, alice.accessToken)).toBe('denied');
        expect(await noteCount()).toBe(before);
      } finally {
        client.ws.close();
      }
    },
  );

  it('stops a connection whose session was logged out within the re-authentication interval', async () => {
    const session = await request(server.url, 'POST', '/api/v1/auth/login', {
      body: { email: alice.email, password: alice.password },
    });
    expect(session.status).toBe(200);
    const token = session.body.data.access_token as string;
    const client = connect('reauth-doc', token);
    await waitSynced(client);
    client.doc.getText('text').insert(0, 'before logout');
    await waitAcknowledged(client);

    expect((await request(server.url, 'POST', '/api/v1/auth/logout', { token })).status).toBe(204);
    await waitFor(() => client.closes.some((close) => close.code === 4401), 5000, 'a 4401 close');
    client.doc.getText('text').insert(0, 'after logout ');
    // It reconnects with the revoked token and is refused: the edit never lands.
    await waitFor(() => client.denials.includes('permission-denied'), 5000, 'the refused reconnect');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const note = await noteOf(server, 'reauth-doc');
    expect(await storedText(server, note!.id)).toBe('before logout');
    expect(textOf(client.doc)).toBe('after logout before logout');
  });
});

describe('bounded authentication failures (Hocuspocus keeps a refused socket open for retries)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      RATE_LIMITS: 'on',
      RATE_LIMIT_COLLAB_AUTH_FAILURES: '3',
      RATE_LIMIT_COLLAB_AUTH_FAILURES_PER_IP: '5',
    });
  });
  afterAll(async () => limited?.destroy());

  it('closes a socket after its allowed failures; past the address budget a bad token closes at once, a valid one still opens', async () => {
    const user = await registerUser(limited.url);
    const first = await rawCollabClient(limited.collabUrl);
    for (let attempt = 0; attempt < 3; attempt += 1)
      expect(await first.authenticate(`probe-${attempt}`, 'bad-token')).toBe('denied');
    expect(await first.closed).toEqual({ code: 4429, reason: 'Too many failed authentications' });

    // Failures count per address across sockets too: two more reach its limit of five.
    const second = await rawCollabClient(limited.collabUrl);
    expect(await second.authenticate('probe-a', 'bad-token')).toBe('denied');
    expect(await second.authenticate('probe-b', 'bad-token')).toBe('denied');
    expect((await second.closed).code).toBe(4429);

    const third = await rawCollabClient(limited.collabUrl);
    expect(await third.authenticate('probe-c', 'bad-token')).toBe('denied');
    expect((await third.closed).code).toBe(4429);

    // Same address, valid token: never refused by the address's failures (30 failed logins
    // behind one NAT used to lock every colleague out for a minute).
    const colleague = await rawCollabClient(limited.collabUrl);
    expect(await colleague.authenticate('good-doc', user.accessToken)).toBe('authenticated');
    expect(await noteOf(limited, 'good-doc')).toBeDefined();
    colleague.ws.close();
  });
});
