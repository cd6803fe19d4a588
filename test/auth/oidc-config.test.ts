// Identity-provider configuration (docs/identity-providers.md) and the limits around a sign-in:
// a bad configuration stops the process with one line naming the variable; an unreachable
// provider is 503; starts are rate-limited per client address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import { freePort, startServerWithProvider, type TestIdentityProvider } from '../helpers/identity-provider.ts';
import type { TestServer } from '../helpers/server.ts';

const APP = 'https://app.example.com/auth/done';
const valid = {
  PUBLIC_URL: 'https://sync.example.com/',
  OIDC_PROVIDERS: 'google,work2',
  OIDC_REDIRECT_URIS: ` ${APP} , framelord://auth`,
  OIDC_GOOGLE_ISSUER: 'https://accounts.google.com',
  OIDC_GOOGLE_CLIENT_ID: 'id-g',
  OIDC_GOOGLE_CLIENT_SECRET: 'secret-g',
  OIDC_WORK2_ISSUER: 'https://keycloak.example.com/realms/work',
  OIDC_WORK2_CLIENT_ID: 'id-w',
  OIDC_WORK2_CLIENT_SECRET: 'secret-w',
  OIDC_WORK2_SCOPES: 'openid email',
  OIDC_WORK2_LABEL: 'Work SSO',
};

describe('identity-provider configuration', () => {
  it('reads every provider, its defaults and the redirect allow-list', () => {
    const config = loadConfig(valid);
    expect(config.publicUrl).toBe('https://sync.example.com');
    expect(config.oidc.redirectUris).toEqual([APP, 'framelord://auth']);
    expect(config.oidc.providers).toEqual([
      {
        name: 'google',
        label: 'google',
        issuer: 'https://accounts.google.com',
        clientId: 'id-g',
        clientSecret: 'secret-g',
        scopes: 'openid email profile',
      },
      {
        name: 'work2',
        label: 'Work SSO',
        issuer: 'https://keycloak.example.com/realms/work',
        clientId: 'id-w',
        clientSecret: 'secret-w',
        scopes: 'openid email',
      },
    ]);
    expect(loadConfig({}).oidc).toEqual({ providers: [], redirectUris: [] });
  });

  it.each([
    [{ OIDC_PROVIDERS: 'Google' }, /OIDC_PROVIDERS must be comma-separated names/],
    [{ PUBLIC_URL: undefined }, /PUBLIC_URL is required when OIDC_PROVIDERS is set/],
    [{ OIDC_REDIRECT_URIS: undefined }, /OIDC_REDIRECT_URIS is required/],
    [{ OIDC_REDIRECT_URIS: 'not a url' }, /OIDC_REDIRECT_URIS has an invalid URL/],
    [{ OIDC_WORK2_CLIENT_SECRET: undefined }, /OIDC_WORK2_CLIENT_SECRET is required/],
    [{ OIDC_GOOGLE_ISSUER: 'ftp://accounts.google.com' }, /OIDC_GOOGLE_ISSUER must be an http\(s\) URL/],
    [{ OIDC_WORK2_SCOPES: 'email profile' }, /OIDC_WORK2_SCOPES must include openid/],
  ])('refuses %o', (change, message) => {
    const env: Record<string, string | undefined> = { ...valid, ...change };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never puts a client secret in a configuration error', () => {
    try {
      loadConfig({ ...valid, OIDC_WORK2_ISSUER: 'nonsense' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toMatch(/secret-[gw]/);
    }
  });
});

describe('an unreachable provider and the start limit', () => {
  let idp: TestIdentityProvider;
  let server: TestServer;
  beforeAll(async () => {
    ({ server, idp } = await startServerWithProvider({
      RATE_LIMITS: 'on',
      RATE_LIMIT_OIDC_START_PER_IP: '3',
      OIDC_PROVIDERS: 'test,down',
      // Nothing listens there: discovery fails.
      OIDC_DOWN_ISSUER: `http://127.0.0.1:${await freePort()}`,
      OIDC_DOWN_CLIENT_ID: 'id',
      OIDC_DOWN_CLIENT_SECRET: 'secret',
      OIDC_REDIRECT_URIS: APP,
    }));
  });
  afterAll(async () => {
    await server?.destroy();
    await idp?.close();
  });

  // A browser would follow the redirect to the provider; the test only needs where it points.
  const start = (provider: string) =>
    request(server.url, 'GET', `/api/v1/auth/oidc/${provider}/start?redirect_uri=${encodeURIComponent(APP)}`, {
      redirect: 'manual',
    });

  it('answers 503 while the provider cannot be reached, then 429 past RATE_LIMIT_OIDC_START_PER_IP', async () => {
    expectErrorEnvelope(await start('down'), 503, 'SERVICE_UNAVAILABLE');
    for (let i = 0; i < 2; i += 1) {
      const response = await start('test');
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toMatch(new RegExp(`^${idp.issuer}/auth\\?`));
    }
    const refused = await start('test');
    expectErrorEnvelope(refused, 429, 'RATE_LIMIT_EXCEEDED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(server.logs.text()).not.toContain(idp.clientSecret);
  });
});
