// An instance's lifecycle as a balancer and a client see it: not ready from the first moment of a
// drain, sockets closed with "reconnect later", documents stored; and a token that expires while
// its socket is open stops editing within the re-authentication interval.
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { registerUser } from '../helpers/auth.ts';
import {
  connectKept,
  destroyProviders,
  eventually,
  textOf,
  waitAcknowledged,
  waitFor,
  waitSynced,
  type TestProvider,
} from '../helpers/collab.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { noteOf, storedText } from '../collab/fixtures.ts';

let server: TestServer | undefined;
const clients: TestProvider[] = [];
afterEach(async () => {
  destroyProviders(clients);
  await server?.destroy();
  server = undefined;
});

const connect = (collabUrl: string, name: string, token: string) =>
  connectKept(clients, collabUrl, name, token, { awareness: false });

describe('draining', () => {
  it('answers /readyz 503 from the first moment, closes sockets with 1012 and stores every document', {
    timeout: 120_000,
  }, async () => {
    server = await startTestServer({ STORE_DEBOUNCE_MS: '600000', STORE_MAX_DEBOUNCE_MS: '600000' });
    const user = await registerUser(server.url);
    const editors = ['drain-1', 'drain-2'].map((name) => connect(server!.collabUrl, name, user.accessToken));
    await Promise.all(editors.map((editor) => waitSynced(editor)));
    for (const editor of editors) {
      editor.doc.getText('text').insert(0, `kept in ${editor.provider.configuration.name}`);
      await waitAcknowledged(editor);
    }
    const services = server.server.services;
    // The readiness route, asked directly: over the network the listener is already closed.
    const probe = createApp(services, []);
    expect((await probe.request('/readyz')).status).toBe(200);

    const stopping = server.stop();
    const during = await probe.request('/readyz');
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ status: 'not_ready', checks: { draining: true } });
    await stopping;

    for (const editor of editors) expect(editor.closes.map((close) => close.code)).toContain(1012);
    // Compacted on the way out: the log is empty and the note holds the text.
    const restarted = await server.restart();
    server = restarted;
    for (const editor of editors) {
      const name = editor.provider.configuration.name;
      const note = await noteOf(restarted, name);
      const state = await restarted.server.services.documents.loadState(note!.id);
      expect(state!.log).toHaveLength(0);
      expect(await storedText(restarted, note!.id)).toBe(`kept in ${name}`);
    }
  });
});

describe('re-authentication', () => {
  it('stops a socket whose access token expires while it is open, within the re-authentication interval', {
    timeout: 120_000,
  }, async () => {
    server = await startTestServer({ COLLAB_REAUTH_INTERVAL_MS: '250' });
    const user = await registerUser(server.url);
    // The same token, re-signed to expire in one second.
    const expiresAt = Math.floor(Date.now() / 1000) + 1;
    const shortLived = await new SignJWT({ ...decodeJwt(user.accessToken), exp: expiresAt })
      .setProtectedHeader(decodeProtectedHeader(user.accessToken) as { alg: string })
      .sign(new TextEncoder().encode(server.server.services.jwtSecret));
    const editor = connect(server.collabUrl, 'expiring-doc', shortLived);
    await waitSynced(editor);
    editor.doc.getText('text').insert(0, 'while valid');
    await waitAcknowledged(editor);

    await waitFor(() => editor.closes.some((close) => close.code === 4401), 20_000, 'a 4401 close after expiry');
    // Verification allows a few seconds of clock skew between instances, then one interval.
    expect(Date.now() / 1000 - expiresAt).toBeLessThan(5 + 0.25 + 3);
    editor.doc.getText('text').insert(0, 'after expiry ');
    await waitFor(() => editor.denials.includes('permission-denied'), 10_000, 'the refused reconnect');
    const note = await noteOf(server, 'expiring-doc');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await storedText(server, note!.id)).toBe('while valid');
    expect(textOf(editor.doc)).toBe('after expiry while valid');
    await eventually(
      async () =>
        (await fetch(`${server!.url}/metrics`))
          .text()
          .then((text) => /errors_total\{transport="collab",code="UNAUTHORIZED"\} [1-9]/.test(text)),
      5000,
      'the refusal to be counted',
    );
  });
});
