// Everything a server process prints during a full session (register, failed and good login,
// refresh, REST writes, a collaborative edit, HTTP document sync, offline sync, refusals, logout,
// SIGTERM) is structured JSON with request ids, and holds no token, password or document text.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { registerUser } from '../helpers/auth.ts';
import { connectProvider, waitAcknowledged, waitFor, waitSynced } from '../helpers/collab.ts';
import { provisionDatabase, type ProvisionedDatabase } from '../helpers/database.ts';
import { request } from '../helpers/http.ts';
import { spawnServer, testEnvironment, type SpawnedServer } from '../helpers/server.ts';
import { change, contactData, syncClient } from '../sync/sync-client.ts';
import { deleteRedisKeys, REDIS_URL, uniquePrefix } from './cluster.ts';

let database: ProvisionedDatabase;
let server: SpawnedServer | undefined;
const prefix = uniquePrefix('logs');
beforeAll(async () => {
  database = await provisionDatabase();
});
afterAll(async () => {
  server?.child.kill('SIGKILL');
  await deleteRedisKeys(prefix);
  await database?.drop();
});

/** A marker that cannot occur by chance, so finding it anywhere means it leaked. */
const secret = (label: string) => `${label}${randomBytes(9).toString('hex')}`;
const jwtParts = (token: string) => token.split('.').filter((part) => part.length > 20);

describe('logs', () => {
  it('are JSON with request and user ids, and never hold a token, a password or document text', {
    timeout: 180_000,
  }, async () => {
    // Trace level: everything the code would ever log is printed. With Redis, the relay logs too.
    server = await spawnServer({
      // No refresh grace: the reuse below must be refused (and its refusal logged) at once.
      ...testEnvironment(database, { LOG_LEVEL: 'trace', RATE_LIMITS: 'on', REFRESH_REUSE_GRACE_SECONDS: '0' }),
      REDIS_URL,
      REDIS_PREFIX: prefix,
    });
    const url = server.url;
    const secrets: Record<string, string> = {};
    // A fresh secret, remembered under `name` so the log check below can look for it.
    const keep = (name: string, label: string): string => {
      const value = secret(label);
      secrets[name] = value;
      return value;
    };

    const password = keep('password', 'Pw');
    const user = await registerUser(url, { password, full_name: keep('fullName', 'Name') });
    const wrongPassword = keep('wrongPassword', 'Wrong');
    expect(
      (await request(url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: wrongPassword } }))
        .status,
    ).toBe(401);
    const login = await request(url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password } });
    expect(login.status).toBe(200);
    const refreshed = await request(url, 'POST', '/api/v1/auth/refresh', {
      body: { refresh_token: login.body.data.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    const tokens = [
      user.accessToken,
      user.refreshToken,
      login.body.data.access_token,
      login.body.data.refresh_token,
      refreshed.body.data.access_token,
      refreshed.body.data.refresh_token,
    ];
    const token = refreshed.body.data.access_token as string;
    // A reused (rotated) refresh token of the first session: refused, and the refusal must not echo it.
    const rotated = await request(url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refreshToken } });
    expect(rotated.status).toBe(200);
    tokens.push(rotated.body.data.access_token, rotated.body.data.refresh_token);
    expect(
      (await request(url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refreshToken } })).status,
    ).toBe(401);
    const forged = keep('forged', 'Forged');
    expect((await request(url, 'GET', '/api/v1/auth/me', { token: forged })).status).toBe(401);

    // REST writes with user content, a refused body, a secret in a query string.
    const contact = await request(url, 'POST', '/api/v1/contacts', {
      token,
      body: contactData(keep('contactName', 'Contact'), {
        company: keep('contactCompany', 'Company'),
      }),
    });
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    expect(
      (
        await request(url, 'POST', '/api/v1/contacts', {
          token,
          rawBody: `{"full_name":"${keep('malformed', 'Malformed')}"`,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await request(url, 'GET', `/api/v1/contacts?search=${keep('query', 'Query')}&access_token=${secrets.query}`, {
          token,
        })
      ).status,
    ).toBe(200);

    // A collaborative edit, and a socket with a bad token.
    const intruder = connectProvider(server.collabUrl, 'log-doc', keep('badCollabToken', 'BadToken'), {
      awareness: false,
    });
    await waitFor(() => intruder.denials.length > 0, 10_000, 'the bad token to be refused');
    intruder.destroy();
    const editor = connectProvider(server.collabUrl, 'log-doc', token);
    await waitSynced(editor, 30_000);
    editor.provider.setAwarenessField('user', { name: keep('awareness', 'Presence') });
    editor.doc.getText('text').insert(0, keep('socketText', 'Typed'));
    await waitAcknowledged(editor, 30_000);

    // HTTP document sync, and reading the note back (its stored document and snapshot).
    const notes = await request(url, 'GET', '/api/v1/notes', { token });
    const noteId = notes.body.data.find((note: { blocksuite_doc_id: string }) => note.blocksuite_doc_id === 'log-doc')
      .id as string;
    const httpDoc = new Y.Doc();
    httpDoc.getText('text').insert(0, keep('httpText', 'Posted'));
    const update = Buffer.from(Y.encodeStateAsUpdate(httpDoc)).toString('base64');
    secrets.updateBase64 = update;
    expect((await request(url, 'POST', `/api/v1/notes/${noteId}/doc`, { token, body: { update } })).status).toBe(200);
    await waitFor(
      () => editor.doc.getText('text').toString().includes(secrets.httpText!),
      10_000,
      'the HTTP edit to reach the editor',
    );
    editor.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await request(url, 'GET', `/api/v1/notes/${noteId}`, { token })).status).toBe(200);

    // Offline sync: one good change and one refused change, both carrying user content.
    const sync = syncClient(url, token);
    const pushed = await sync.push('device-logs', [
      change({
        entity_type: 'contact',
        entity_id: randomUUID(),
        operation: 'create',
        data: contactData(keep('pushedName', 'Pushed')),
      }),
      change({
        entity_type: 'contact',
        entity_id: randomUUID(),
        operation: 'create',
        data: { full_name: 42, company: keep('refusedCompany', 'Refused') },
      }),
    ]);
    expect(pushed.successful).toHaveLength(1);
    expect(pushed.failed).toHaveLength(1);
    await sync.pull();

    expect((await request(url, 'POST', '/api/v1/auth/logout', { token })).status).toBe(204);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const output = server.output();
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(15);
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line.slice(0, 200)}`);
      }
    });
    for (const [name, value] of Object.entries(secrets))
      expect(output.includes(value), `${name} appears in the logs`).toBe(false);
    for (const [index, issued] of tokens.entries()) {
      for (const part of jwtParts(issued))
        expect(output.includes(part), `part of token ${index} appears in the logs`).toBe(false);
    }
    expect(output.includes(user.email)).toBe(false);

    const requests = entries.filter((entry) => entry.msg === 'request');
    expect(requests.length).toBeGreaterThan(10);
    for (const entry of requests) {
      expect(entry.request_id).toEqual(expect.any(String));
      expect(String(entry.path)).not.toContain('?');
    }
    const authenticated = requests.filter(
      (entry) =>
        String(entry.route).startsWith('/api/v1/') &&
        entry.status !== 401 &&
        !String(entry.route).startsWith('/api/v1/auth/'),
    );
    expect(authenticated.length).toBeGreaterThan(5);
    for (const entry of authenticated) expect(entry.user_id).toBe(user.userId);
    expect(entries.some((entry) => entry.msg === 'server stopped')).toBe(true);
  });
});
