// docs/accounts.md: email verification and change through a real SMTP server, Contact Zero
// mirrored onto the user, the forgot/resend limits, mail unavailable in production, and CORS.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { registerUser } from '../helpers/auth.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startServerWithMailTrap } from '../helpers/server-with-users.ts';
import { linkToken, mailParts, tokenOutsideLink, type MailTrap } from '../helpers/smtp.ts';

let server: TestServer;
let mail: MailTrap;
const APP = 'https://app.example.com';

beforeAll(async () => {
  [server, mail] = await startServerWithMailTrap({
    PUBLIC_APP_URL: APP,
    CORS_ORIGINS: `${APP}, http://localhost:5173`,
  });
});
afterAll(async () => {
  await server?.destroy();
  await mail?.close();
});

const me = (token: string) => request(server.url, 'GET', '/api/v1/auth/me', { token });

describe('email verification', () => {
  it('registration mails a link; following it sets email_verified_at once', async () => {
    const user = await registerUser(server.url);
    expect(user.data.user.email_verified_at).toBeNull();
    const message = await mail.waitFor(user.email, /Confirm your email address/);
    const token = linkToken(message, '/verify-email');
    const link = `${APP}/verify-email?token=${encodeURIComponent(token)}`;
    const { text, html } = mailParts(message);
    expect(text).toContain(link);
    expect(html).toContain(`href="${link}"`);
    expect(tokenOutsideLink(message, '/verify-email', token)).toBe(0);
    const verified = await request(server.url, 'POST', '/api/v1/auth/email/verify', { body: { token } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(204);
    const after = await me(user.accessToken);
    expect(Date.parse(after.body.data.user.email_verified_at)).toBeGreaterThan(Date.now() - 60_000);
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/email/verify', { body: { token } }),
      400,
      'VALIDATION_ERROR',
    );
    // Verified: a resend sends nothing.
    const resend = await request(server.url, 'POST', '/api/v1/auth/email/resend', { token: user.accessToken });
    expect(resend.status).toBe(202);
    await server.server.services.accounts.settle();
    expect(mail.messages.filter((m) => m.to.includes(user.email) && /Confirm your email/.test(m.subject))).toHaveLength(
      1,
    );
  });

  it('resend mails a new link and voids the earlier one', async () => {
    const user = await registerUser(server.url);
    const first = linkToken(await mail.waitFor(user.email, /Confirm your email/), '/verify-email');
    const resend = await request(server.url, 'POST', '/api/v1/auth/email/resend', { token: user.accessToken });
    expect(resend.status).toBe(202);
    const second = linkToken(await mail.waitFor(user.email, /Confirm your email/, { skip: 1 }), '/verify-email');
    expect(second).not.toBe(first);
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/email/verify', { body: { token: first } }),
      400,
      'VALIDATION_ERROR',
    );
    expect((await request(server.url, 'POST', '/api/v1/auth/email/verify', { body: { token: second } })).status).toBe(
      204,
    );
  });
});

describe('email change', () => {
  it('switches only once the new address confirms; Contact Zero follows and is recorded for sync', async () => {
    const user = await registerUser(server.url);
    const newEmail = `moved-${randomUUID()}@example.com`;
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/email', {
        token: user.accessToken,
        body: { new_email: newEmail, password: 'wrong-password' },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    const other = await registerUser(server.url);
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/email', {
        token: user.accessToken,
        body: { new_email: other.email, password: user.password },
      }),
      409,
      'CONFLICT',
    );
    const asked = await request(server.url, 'POST', '/api/v1/auth/email', {
      token: user.accessToken,
      body: { new_email: newEmail.toUpperCase(), password: user.password },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    // Nothing changed yet.
    expect((await me(user.accessToken)).body.data.user.email).toBe(user.email);
    const confirmation = await mail.waitFor(newEmail, /new email address/);
    const token = linkToken(confirmation, '/verify-email');
    expect(tokenOutsideLink(confirmation, '/verify-email', token)).toBe(0);
    // Nothing went to the old address, which would not prove the new one.
    expect(mail.messages.some((m) => m.to.includes(user.email) && /new email address/.test(m.subject))).toBe(false);
    expect((await request(server.url, 'POST', '/api/v1/auth/email/verify', { body: { token } })).status).toBe(204);

    const after = (await me(user.accessToken)).body.data;
    expect(after.user.email).toBe(newEmail);
    expect(after.user.email_verified_at).not.toBeNull();
    expect(after.contact_zero.email).toBe(newEmail);
    expect(after.contact_zero.sync_version).toBe(user.data.contact_zero.sync_version + 1);
    const pulled = await request(server.url, 'POST', '/api/v1/sync/pull', {
      token: user.accessToken,
      body: { device_id: 'phone' },
    });
    const contactChange = pulled.body.data.changes.find(
      (change: { entity_id: string }) => change.entity_id === user.contactZeroId,
    );
    expect(contactChange?.data.email).toBe(newEmail);
    expect(
      (await request(server.url, 'POST', '/api/v1/auth/login', { body: { email: newEmail, password: user.password } }))
        .status,
    ).toBe(200);
    expectErrorEnvelope(
      await request(server.url, 'POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } }),
      401,
      'INVALID_CREDENTIALS',
    );
  });
});

describe('Contact Zero mirrors the user', () => {
  it('editing Contact Zero updates the user in the same write; its email cannot be changed that way', async () => {
    const user = await registerUser(server.url, { full_name: 'Before Name' });
    const patched = await request(server.url, 'PATCH', `/api/v1/contacts/${user.contactZeroId}`, {
      token: user.accessToken,
      body: { full_name: 'After Name', phone: '+1 555 0100', avatar_url: 'https://example.com/me.png' },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const after = (await me(user.accessToken)).body.data;
    expect(after.user).toMatchObject({
      full_name: 'After Name',
      phone: '+1 555 0100',
      avatar_url: 'https://example.com/me.png',
    });
    expect(after.contact_zero.full_name).toBe('After Name');

    const email = await request(server.url, 'PATCH', `/api/v1/contacts/${user.contactZeroId}`, {
      token: user.accessToken,
      body: { email: `elsewhere-${randomUUID()}@example.com` },
    });
    expectErrorEnvelope(email, 403, 'FORBIDDEN');
    // Sending the current address back (a client saving the whole contact) is fine.
    const same = await request(server.url, 'PATCH', `/api/v1/contacts/${user.contactZeroId}`, {
      token: user.accessToken,
      body: { email: user.email, title: 'Founder' },
    });
    expect(same.status).toBe(200);
    // Another contact's edits touch no user.
    const contact = await request(server.url, 'POST', '/api/v1/contacts', {
      token: user.accessToken,
      body: { full_name: 'Someone Else', relationship_domain: 'business', relationship_role: 'peer' },
    });
    expect(contact.status).toBe(201);
    expect((await me(user.accessToken)).body.data.user.full_name).toBe('After Name');
  });

  it('the contact and the user are written in one transaction: a failing user update keeps the contact as it was', async () => {
    const user = await registerUser(server.url, { full_name: 'Kept Name' });
    const db = server.server.services.db;
    const name = `fail_users_${randomUUID().replaceAll('-', '')}`;
    await db.execute(sql`create function ${sql.raw(name)}() returns trigger language plpgsql as $$
      begin
        if new.full_name = 'Refused Name' then raise exception 'forced failure of the user mirror'; end if;
        return new;
      end $$`);
    await db.execute(
      sql`create trigger ${sql.raw(name)} before update on users for each row execute function ${sql.raw(name)}()`,
    );
    try {
      const patched = await request(server.url, 'PATCH', `/api/v1/contacts/${user.contactZeroId}`, {
        token: user.accessToken,
        body: { full_name: 'Refused Name', phone: '+1 555 0199' },
      });
      expectErrorEnvelope(patched, 500, 'INTERNAL_ERROR');
    } finally {
      await db.execute(sql`drop trigger ${sql.raw(name)} on users`);
      await db.execute(sql`drop function ${sql.raw(name)}()`);
    }
    const after = (await me(user.accessToken)).body.data;
    expect(after.user.full_name).toBe('Kept Name');
    expect(after.contact_zero).toMatchObject({
      full_name: 'Kept Name',
      phone: null,
      sync_version: user.data.contact_zero.sync_version,
    });
  });
});

describe('limits and unavailable mail', () => {
  it('limits forgot per email (known or not alike) and per address, and resends per user', async () => {
    const limited = await startTestServer({
      SMTP_URL: mail.url,
      RATE_LIMITS: 'on',
      RATE_LIMIT_PASSWORD_FORGOT_PER_EMAIL_PER_HOUR: '2',
      RATE_LIMIT_PASSWORD_FORGOT_PER_IP_PER_HOUR: '7',
      RATE_LIMIT_EMAIL_RESEND_PER_HOUR: '1',
    });
    try {
      const user = await registerUser(limited.url);
      const forgot = (email: string) =>
        request(limited.url, 'POST', '/api/v1/auth/password/forgot', { body: { email } });
      const unknown = `nobody-${randomUUID()}@example.com`;
      for (const email of [user.email, unknown]) {
        expect((await forgot(email)).status).toBe(202);
        expect((await forgot(email)).status).toBe(202);
        const third = await forgot(email);
        expectErrorEnvelope(third, 429, 'RATE_LIMIT_EXCEEDED');
        expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Six requests from this address so far (refused ones count too); the seventh passes, the eighth is over.
      expect((await forgot(`a-${randomUUID()}@example.com`)).status).toBe(202);
      expectErrorEnvelope(await forgot(`b-${randomUUID()}@example.com`), 429, 'RATE_LIMIT_EXCEEDED');

      expect(
        (await request(limited.url, 'POST', '/api/v1/auth/email/resend', { token: user.accessToken })).status,
      ).toBe(202);
      expectErrorEnvelope(
        await request(limited.url, 'POST', '/api/v1/auth/email/resend', { token: user.accessToken }),
        429,
        'RATE_LIMIT_EXCEEDED',
      );
    } finally {
      await limited.destroy();
    }
  });

  it('in production without SMTP_URL the mail flows answer 503 EMAIL_NOT_CONFIGURED; registration still works', async () => {
    const production = await startTestServer({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48) });
    try {
      const user = await registerUser(production.url);
      expectErrorEnvelope(
        await request(production.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: user.email } }),
        503,
        'EMAIL_NOT_CONFIGURED',
      );
      expectErrorEnvelope(
        await request(production.url, 'POST', '/api/v1/auth/email/resend', { token: user.accessToken }),
        503,
        'EMAIL_NOT_CONFIGURED',
      );
      expectErrorEnvelope(
        await request(production.url, 'POST', '/api/v1/auth/email', {
          token: user.accessToken,
          body: { new_email: `n-${randomUUID()}@example.com`, password: user.password },
        }),
        503,
        'EMAIL_NOT_CONFIGURED',
      );
    } finally {
      await production.destroy();
    }
  });

  it('without SMTP_URL in development the message and its link go to the log', async () => {
    const development = await startTestServer({ NODE_ENV: 'development', PUBLIC_APP_URL: APP });
    try {
      const user = await registerUser(development.url);
      await development.server.services.accounts.settle();
      const line = development.logs.lines.find((l) => l.includes('SMTP_URL unset') && l.includes(user.email));
      expect(line).toContain(`${APP}/verify-email?token=`);
    } finally {
      await development.destroy();
    }
  });
});

describe('CORS_ORIGINS', () => {
  const preflight = (origin: string) =>
    fetch(`${server.url}/api/v1/notes`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, if-match, content-type',
      },
    });

  it('allows a listed origin: methods, headers, exposed headers, cached preflight', async () => {
    const response = await preflight(APP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST,PUT,PATCH,DELETE');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toBe(
      'authorization,content-type,if-match',
    );
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();

    const user = await registerUser(server.url);
    const actual = await request(server.url, 'GET', '/api/v1/notes', {
      token: user.accessToken,
      headers: { origin: APP },
    });
    expect(actual.status).toBe(200);
    expect(actual.headers.get('access-control-allow-origin')).toBe(APP);
    expect(actual.headers.get('access-control-expose-headers')?.split(',').sort()).toEqual(
      ['ETag', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'].sort(),
    );
    expect(actual.headers.get('vary')?.toLowerCase()).toContain('origin');
  });

  it('refuses any other origin: no CORS header on the preflight or the answer', async () => {
    const response = await preflight('https://evil.example.com');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const user = await registerUser(server.url);
    const actual = await request(server.url, 'GET', '/api/v1/auth/me', {
      token: user.accessToken,
      headers: { origin: 'https://evil.example.com' },
    });
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
  });

  const upgrade = (origin: string | undefined) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(server.collabUrl, origin ? { origin } : {});
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });

  it('the collaboration socket refuses an unlisted browser Origin, accepts listed, own and none', async () => {
    expect(await upgrade('https://evil.example.com')).toBe(403);
    expect(await upgrade(APP)).toBe(101);
    expect(await upgrade(server.url)).toBe(101);
    expect(await upgrade(undefined)).toBe(101);
  });

  it('sends no CORS header when CORS_ORIGINS is unset', async () => {
    const plain = await startTestServer();
    try {
      const response = await fetch(`${plain.url}/api/v1/notes`, {
        method: 'OPTIONS',
        headers: { origin: APP, 'access-control-request-method': 'GET' },
      });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const rows = await queryRows<{ n: string }>(plain.server.services.db, sql`select 1 as n`);
      expect(rows).toHaveLength(1);
    } finally {
      await plain.destroy();
    }
  });
});
