// A real OpenID Connect provider (the `oidc-provider` package) inside the test process, plus a
// minimal browser (cookie jar, manual redirects) to walk the sign-in flow through it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import Provider, { type KoaContext } from 'oidc-provider';
import { startTestServer, type TestServer } from './server.ts';

export interface ProviderAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** Rewrites the claims of the id_token the token endpoint returns; `foreignKey` signs with a key not in the JWKS. */
export interface IdTokenTamper {
  claims?: (claims: JWTPayload) => JWTPayload;
  foreignKey?: boolean;
}

export interface TestIdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The person who signs in at the provider's next login prompt. */
  signInAs(account: ProviderAccount): void;
  /** Applies to every token response until cleared with `undefined`. */
  tamperIdTokens(tamper: IdTokenTamper | undefined): void;
  close(): Promise<void>;
}

/** A port free right now, for a server whose URL must be known before it starts (PUBLIC_URL). */
export async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export async function startIdentityProvider(options: { redirectUris: string[] }): Promise<TestIdentityProvider> {
  let handler:
    | ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void)
    | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const kid = 'test-key';
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const clientId = `client-${randomUUID()}`;
  const clientSecret = `secret-${randomUUID()}`;
  let current: ProviderAccount | undefined;
  const accounts = new Map<string, ProviderAccount>();
  let tamper: IdTokenTamper | undefined;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomUUID()] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    // Explicit lifetimes (seconds), which also keeps the provider from logging a notice per token.
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Grant: 3600, IdToken: 3600, Interaction: 600, Session: 3600 },
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ ...account }) };
    },
  });

  // The login and consent pages: whoever signInAs named logs in and grants what was asked.
  provider.use(async (ctx: KoaContext, next) => {
    if (!/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
    if (!current) throw new Error('signInAs was not called before a login');
    const account = current;
    accounts.set(account.sub, account);
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const grant =
      (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({ accountId: account.sub, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope ?? 'openid');
    if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: account.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
    ctx.redirect(returnTo);
  });

  // A forged or altered id_token, signed like the real one unless `foreignKey`.
  provider.use(async (ctx: KoaContext, next) => {
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (!tamper || ctx.path !== '/token' || typeof body?.id_token !== 'string') return;
    const header = decodeProtectedHeader(body.id_token);
    const claims = tamper.claims ? tamper.claims(decodeJwt(body.id_token)) : decodeJwt(body.id_token);
    const idToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: header.alg ?? 'RS256', kid })
      .sign(tamper.foreignKey ? foreign.privateKey : privateKey);
    ctx.body = { ...body, id_token: idToken };
  });

  handler = provider.callback();
  return {
    issuer,
    clientId,
    clientSecret,
    signInAs: (account) => {
      current = account;
    },
    tamperIdTokens: (next) => {
      tamper = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Cookies by origin, enough for one person's browser walking a redirect chain. */
export class CookieJar {
  readonly #byOrigin = new Map<string, Map<string, string>>();

  header(url: URL): string | undefined {
    const cookies = this.#byOrigin.get(url.origin);
    if (!cookies || cookies.size === 0) return undefined;
    return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(url: URL, response: Response): void {
    let cookies = this.#byOrigin.get(url.origin);
    if (!cookies) {
      cookies = new Map();
      this.#byOrigin.set(url.origin, cookies);
    }
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', raw = ''] = attribute.split('=').map((part) => part.trim());
        if (key.toLowerCase() === 'max-age') return Number(raw) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(raw) <= Date.now();
        return false;
      });
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  }

  names(origin: string): string[] {
    return [...(this.#byOrigin.get(origin)?.keys() ?? [])];
  }
}

export interface Stop {
  /** The URL where the walk stopped: the first redirect target `until` accepted. */
  url: string | undefined;
  /** The last response when the walk ended on a non-redirect. */
  status: number;
  body: string;
}

/** Follows redirects like a browser (GET, cookies) until `until` accepts the next URL. */
export async function follow(start: string, jar: CookieJar, until: (url: string) => boolean): Promise<Stop> {
  let url = new URL(start);
  for (let hop = 0; hop < 20; hop += 1) {
    const cookie = jar.header(url);
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.store(url, response);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location)
      return { url: undefined, status: response.status, body: await response.text() };
    await response.body?.cancel();
    const next = new URL(location, url);
    if (until(next.href)) return { url: next.href, status: response.status, body: '' };
    url = next;
  }
  throw new Error(`more than 20 redirects from ${start}`);
}

export interface ServerWithProvider {
  server: TestServer;
  idp: TestIdentityProvider;
  close(): Promise<void>;
}

/**
 * A test identity provider and the real server configured for it as provider `test`. The server's
 * PUBLIC_URL (hence its port) must be known before it starts and registered at the provider, so a
 * free port is picked first; if another process takes it meanwhile, both start again on a new one.
 */
export async function startServerWithProvider(extraEnv: Record<string, string>): Promise<ServerWithProvider> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const idp = await startIdentityProvider({ redirectUris: [`${base}/api/v1/auth/oidc/test/callback`] });
    try {
      const server = await startTestServer({
        PORT: String(port),
        PUBLIC_URL: base,
        OIDC_TEST_ISSUER: idp.issuer,
        OIDC_TEST_CLIENT_ID: idp.clientId,
        OIDC_TEST_CLIENT_SECRET: idp.clientSecret,
        ...extraEnv,
      });
      return {
        server,
        idp,
        close: async () => {
          await server.destroy();
          await idp.close();
        },
      };
    } catch (error) {
      await idp.close();
      if (attempt >= 5 || !String((error as { code?: unknown }).code ?? error).includes('EADDRINUSE')) throw error;
    }
  }
}
