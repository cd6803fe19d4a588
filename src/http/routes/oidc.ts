// docs/identity-providers.md: sign-in and linking through OpenID Connect providers. Thin: parse,
// call the OIDC service, set or read the flow's browser cookie, redirect or answer.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { FLOW_COOKIE_MAX_AGE_SECONDS, flowCookieName } from '../../domain/auth/oidc/oidc-service.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import type { AppEnv } from '../app-env.ts';
import { clientInfo } from '../client-address.ts';
import { SignedInSchema } from './auth-schemas.ts';
import { caller, errorResponse as error, jsonContent as json, SECURITY } from './resource-kit.ts';

const COOKIE_PATH = '/api/v1/auth/oidc/';
const SECRET_MAX = 512;

const redirect = (description: string) => ({
  description,
  headers: { Location: { schema: { type: 'string' as const, format: 'uri' } } },
});

const ProviderParam = z.object({
  provider: z
    .string()
    .regex(/^[a-z0-9]+$/)
    .max(50)
    .openapi({ param: { name: 'provider', in: 'path' }, example: 'google' }),
});

const RedirectUriField = z.string().min(1).max(2048).openapi({
  description: 'Where the app wants the browser back; must be listed in OIDC_REDIRECT_URIS',
  example: 'https://app.example.com/auth/callback',
});

const ProvidersSchema = z
  .object({ data: z.array(z.object({ name: z.string(), label: z.string() })) })
  .openapi('IdentityProviders');

const IdentitySchema = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    provider: z.string(),
    email: z.string().nullable(),
    email_verified: z.boolean(),
    created_at: z.string().openapi({ format: 'date-time' }),
    last_used_at: z.string().openapi({ format: 'date-time' }).nullable(),
  })
  .openapi('Identity');

const providersRoute = createRoute({
  method: 'get',
  path: '/api/v1/auth/oidc/providers',
  tags: ['auth'],
  summary: 'The identity providers a login page may offer',
  responses: { 200: json(ProvidersSchema, 'Configured providers (name and label)') },
});

const startRoute = createRoute({
  method: 'get',
  path: '/api/v1/auth/oidc/{provider}/start',
  tags: ['auth'],
  summary: 'Start a sign-in (or, with `link`, a linking) at the provider: redirects the browser there',
  request: {
    params: ProviderParam,
    query: z.object({
      redirect_uri: RedirectUriField,
      link: z.string().min(1).max(SECRET_MAX).optional().openapi({
        description: 'The one-time ticket from POST /api/v1/auth/identities (valid 60 s)',
      }),
    }),
  },
  responses: {
    302: redirect('To the provider; a cookie binds the flow to this browser'),
    400: error('VALIDATION_ERROR (redirect_uri not allowed) or OIDC_SIGN_IN_FAILED (invalid_link)'),
    404: error('NOT_FOUND: no such provider configured'),
    429: error('RATE_LIMIT_EXCEEDED: too many sign-ins started from this address; see Retry-After'),
    503: error('SERVICE_UNAVAILABLE: the provider cannot be reached'),
  },
});

const callbackRoute = createRoute({
  method: 'get',
  path: '/api/v1/auth/oidc/{provider}/callback',
  tags: ['auth'],
  summary: 'Where the provider sends the browser back (the redirect URI registered at the provider)',
  description:
    'Verifies state, the browser cookie, PKCE, the id_token (signature, issuer, audience, expiry, nonce), then ' +
    'redirects to the redirect_uri given at start with `code` (one-time, 60 s, for POST /api/v1/auth/oidc/exchange), ' +
    '`linked` (a linking flow) or `error` (docs/identity-providers.md lists the values).',
  request: {
    params: ProviderParam,
    query: z.object({
      state: z.string().max(SECRET_MAX).optional(),
      code: z.string().max(4096).optional(),
      error: z.string().max(SECRET_MAX).optional(),
      iss: z.string().max(2048).optional(),
    }),
  },
  responses: {
    302: redirect('To the app: `?code=`, `?linked=` or `?error=`'),
    400: error('OIDC_SIGN_IN_FAILED (invalid_state): no live sign-in for this state; nothing to redirect to'),
  },
});

const exchangeRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/oidc/exchange',
  tags: ['auth'],
  summary: 'Exchange the one-time code of a callback for the login answer',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.strictObject({ code: z.string().min(1).max(SECRET_MAX) }).openapi('OidcExchangeRequest'),
        },
      },
      required: true,
    },
  },
  responses: {
    200: json(SignedInSchema, 'Signed in: a new session'),
    201: json(SignedInSchema, 'Signed up (this sign-in created the account) and signed in'),
    400: error('VALIDATION_ERROR or OIDC_SIGN_IN_FAILED (invalid_code: unknown, expired or used)'),
  },
});

const listIdentitiesRoute = createRoute({
  method: 'get',
  path: '/api/v1/auth/identities',
  tags: ['auth'],
  summary: 'The provider accounts linked to the caller',
  security: SECURITY,
  responses: {
    200: json(z.object({ data: z.array(IdentitySchema) }).openapi('Identities'), 'Linked identities'),
    401: error('UNAUTHORIZED'),
  },
});

const linkRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/identities',
  tags: ['auth'],
  summary: 'Start linking a provider account to the caller: the URL to open in the browser',
  security: SECURITY,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .strictObject({ provider: z.string().min(1).max(50), redirect_uri: RedirectUriField })
            .openapi('LinkIdentityRequest'),
        },
      },
      required: true,
    },
  },
  responses: {
    200: json(
      z
        .object({
          data: z.object({
            start_url: z.string().openapi({
              format: 'uri',
              description: 'Open in the browser within 60 s; ends on redirect_uri with `?linked=` or `?error=`',
            }),
          }),
        })
        .openapi('LinkIdentityStarted'),
      'The start URL with a one-time ticket',
    ),
    400: error('VALIDATION_ERROR (redirect_uri not allowed)'),
    401: error('UNAUTHORIZED'),
    404: error('NOT_FOUND: no such provider configured'),
  },
});

const unlinkRoute = createRoute({
  method: 'delete',
  path: '/api/v1/auth/identities/{id}',
  tags: ['auth'],
  summary: 'Unlink a provider account (never the last way to sign in)',
  security: SECURITY,
  request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    204: { description: 'Unlinked' },
    401: error('UNAUTHORIZED'),
    404: error('NOT_FOUND: no such identity of the caller'),
    409: error('CONFLICT: it is the last way to sign in (no password, no other identity)'),
  },
});

export function registerOidcRoutes(app: App, services: Services): void {
  const { oidc } = services;
  const secureCookies = services.config.publicUrl?.startsWith('https://') ?? false;

  const client = (c: Context<AppEnv>) => clientInfo(c, services.config.trustProxy);

  app.openapi(providersRoute, (c) => c.json({ data: oidc.providers() }, 200));

  app.openapi(startRoute, async (c) => {
    const { provider } = c.req.valid('param');
    const query = c.req.valid('query');
    const started = await oidc.start({ provider, redirectUri: query.redirect_uri, linkTicket: query.link }, client(c));
    // Lax: the provider brings the browser back with a top-level GET, which carries it.
    setCookie(c, flowCookieName(started.state), started.browserSecret, {
      path: COOKIE_PATH,
      httpOnly: true,
      secure: secureCookies,
      sameSite: 'Lax',
      maxAge: FLOW_COOKIE_MAX_AGE_SECONDS,
    });
    return c.redirect(started.authorizationUrl, 302);
  });

  app.openapi(callbackRoute, async (c) => {
    const { provider } = c.req.valid('param');
    const query = new URL(c.req.url).searchParams;
    const state = query.get('state');
    if (state && state.length <= SECRET_MAX) deleteCookie(c, flowCookieName(state), { path: COOKIE_PATH });
    const target = await oidc.callback({ provider, query, browserSecret: (name) => getCookie(c, name) });
    return c.redirect(target, 302);
  });

  app.openapi(exchangeRoute, async (c) => {
    const { signedIn, created } = await oidc.exchange(c.req.valid('json').code, client(c));
    return c.json({ data: signedIn }, created ? 201 : 200);
  });

  app.openapi(listIdentitiesRoute, async (c) => {
    const identities = await oidc.listIdentities(caller(c));
    return c.json(
      {
        data: identities.map((identity) => ({
          ...identity,
          created_at: identity.created_at.toISOString(),
          last_used_at: identity.last_used_at?.toISOString() ?? null,
        })),
      },
      200,
    );
  });

  app.openapi(linkRoute, async (c) => {
    const body = c.req.valid('json');
    const startUrl = await oidc.startLink(caller(c), { provider: body.provider, redirectUri: body.redirect_uri });
    return c.json({ data: { start_url: startUrl } }, 200);
  });

  app.openapi(unlinkRoute, async (c) => {
    await oidc.unlink(caller(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
}
