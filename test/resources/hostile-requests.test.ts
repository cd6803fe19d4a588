// Hostile REST input (docs/security.md), over real HTTP on a real database: small bodies where
// small bodies belong, bounded JSON nesting, NUL characters refused naming the field (they used to
// answer 500 from PostgreSQL), URL fields http(s) only, no client_updated_at before 2000.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startServerWithUsers } from '../helpers/server-with-users.ts';
import { change, contactData, syncClient } from '../sync/sync-client.ts';

let server: TestServer;
let user: RegisteredUser;

beforeAll(async () => {
  [server, user] = await startServerWithUsers(1);
});
afterAll(async () => server?.destroy());

/** POSTs on a fresh connection and answers the status, even when the server answers before the body is sent. */
function postEarlyRefused(path: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const outgoing = httpRequest(`${server.url}${path}`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', ...headers },
    });
    outgoing.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', (error) => setTimeout(() => reject(error), 1000));
    outgoing.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('body size by route', () => {
  it('a login body over MAX_BODY_BYTES (64 KiB) is 413, before any parsing', async () => {
    const response = await request(server.url, 'POST', '/api/v1/auth/login', {
      rawBody: JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(70 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a task description of 1 MB is 413; a contact carrying a 1 MB data-URL avatar is accepted', async () => {
    // Refused from its Content-Length while still being sent: read with plain http on its own
    // connection (fetch would report the early close, or reuse the closed socket).
    const task = await postEarlyRefused(
      '/api/v1/tasks',
      { title: 'big', description: 'd'.repeat(1024 * 1024) },
      {
        authorization: `Bearer ${user.accessToken}`,
      },
    );
    expect(task).toBe(413);
    const avatar = `data:image/png;base64,${Buffer.alloc(768 * 1024).toString('base64')}`;
    const contact = await request(server.url, 'POST', '/api/v1/contacts', {
      token: user.accessToken,
      body: { ...contactData('Avatar'), avatar_url: avatar },
    });
    expect(contact.status, JSON.stringify(contact.body).slice(0, 300)).toBe(201);
  });
});

describe('JSON nesting', () => {
  it('a 7 M-deep array posted to login is refused by its size at once, unread', async () => {
    const started = performance.now();
    // 14 MB: past the login limit, refused from its Content-Length; the server answers and closes
    // while the body is still being sent, which fetch reports as a failure, so plain http reads it.
    const status = await postEarlyRefused('/api/v1/auth/login', nested(7_000_000));
    expect(status).toBe(413);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('JSON nested deeper than 64 within the size limit is 400 VALIDATION_ERROR on `body`', async () => {
    const response = await request(server.url, 'POST', '/api/v1/tasks', {
      token: user.accessToken,
      rawBody: JSON.stringify({ title: 't', description: JSON.parse(nested(65)) }),
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.details).toEqual([{ field: 'body', message: expect.stringContaining('64') }]);
    const push = await request(server.url, 'POST', '/api/v1/sync/push', {
      token: user.accessToken,
      rawBody: JSON.stringify({ device_id: 'd', changes: JSON.parse(nested(100)) }),
    });
    expect(push.status).toBe(400);
    expect(push.body.error.details[0].field).toBe('body');
  });
});

describe('NUL characters', () => {
  const expectNul = (response: { status: number; body: any }, field: string) => {
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
    expect(response.body.error.details).toContainEqual({ field, message: 'must not contain NUL characters' });
  };

  it('in a body field, a nested push field, a query parameter and a path: 400 naming it', async () => {
    expectNul(
      await request(server.url, 'POST', '/api/v1/tasks', { token: user.accessToken, body: { title: 'a\u0000b' } }),
      'title',
    );
    expectNul(
      await request(server.url, 'POST', '/api/v1/auth/login', {
        body: { email: 'x\u0000@example.com', password: 'p' },
      }),
      'email',
    );
    expectNul(await request(server.url, 'GET', '/api/v1/contacts?search=a%00b', { token: user.accessToken }), 'search');
    expectNul(await request(server.url, 'GET', '/api/v1/search?q=%00', { token: user.accessToken }), 'q');
    const sync = syncClient(server.url, user.accessToken);
    expectNul(
      await sync.pushRaw({
        device_id: 'device',
        changes: [
          change({
            mutation_id: 'm\u0000',
            entity_type: 'contact',
            entity_id: randomUUID(),
            operation: 'create',
            data: contactData('N'),
          }),
        ],
      }),
      'changes.0.mutation_id',
    );
    expectNul(await request(server.url, 'GET', '/api/v1/contacts/%00', { token: user.accessToken }), 'path');
    // And nothing was logged as an error (PostgreSQL never saw it).
    expect(server.logs.text()).not.toMatch(/"level":50/);
  });
});

describe('URL fields and client clocks', () => {
  it('a javascript: avatar_url is 400 on that field; http(s) and data: URLs are accepted', async () => {
    const bad = await request(server.url, 'POST', '/api/v1/contacts', {
      token: user.accessToken,
      body: { ...contactData('Js'), avatar_url: 'javascript:alert(1)' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ field: 'avatar_url', message: 'must be an http(s) or data: URL' }]);
    const linkedin = await request(server.url, 'POST', '/api/v1/contacts', {
      token: user.accessToken,
      body: { ...contactData('Li'), linkedin_url: 'data:text/html,<script>x</script>' },
    });
    expect(linkedin.status).toBe(400);
    expect(linkedin.body.error.details).toEqual([{ field: 'linkedin_url', message: 'must be an http(s) URL' }]);
    const good = await request(server.url, 'POST', '/api/v1/contacts', {
      token: user.accessToken,
      body: {
        ...contactData('Ok'),
        avatar_url: 'https://example.com/a.png',
        linkedin_url: 'https://linkedin.com/in/x',
      },
    });
    expect(good.status).toBe(201);
  });

  it('a push with client_updated_at in year 0001 fails that change with VALIDATION_ERROR', async () => {
    const sync = syncClient(server.url, user.accessToken);
    const early = change({
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: contactData('Early'),
      client_updated_at: '0001-01-01T00:00:00.000Z',
    });
    const result = await sync.push('device-early', [early]);
    expect(result.successful).toEqual([]);
    expect(result.failed).toEqual([
      { mutation_id: early.mutation_id, error: expect.objectContaining({ code: 'VALIDATION_ERROR' }) },
    ]);
  });
});

describe('HTML routes', () => {
  it('/docs is sent with a CSP, nosniff, no framing and no referrer', async () => {
    const response = await fetch(`${server.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('METRICS_TOKEN', () => {
  it('/metrics answers 401 without the bearer token and the series with it', async () => {
    const guarded = await startTestServer({ METRICS_TOKEN: 'metrics-token-0123456789' });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${guarded.url}/metrics`, {
        headers: { authorization: 'Bearer metrics-token-0123456780' },
      });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${guarded.url}/metrics`, {
        headers: { authorization: 'Bearer metrics-token-0123456789' },
      });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('process_cpu');
    } finally {
      await guarded.destroy();
    }
  });
});
