// docs/api.md: accounts and tokens. Thin: parse, call the auth service, shape the answer.
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import type { AppEnv } from '../app-env.ts';
import { clientInfo } from '../client-address.ts';
import { LoginBody, MeSchema, RefreshBody, RefreshedSchema, RegisterBody, SignedInSchema } from './auth-schemas.ts';
import { caller, errorResponse as error, jsonBody as body, jsonContent as json, SECURITY } from './resource-kit.ts';

const registerRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/register',
  tags: ['auth'],
  summary: 'Create an account (user, Contact Zero, default folders) and sign in',
  request: body(RegisterBody),
  responses: {
    201: json(SignedInSchema, 'Signed up and signed in'),
    400: error('VALIDATION_ERROR'),
    409: error('CONFLICT: the email is taken (compared case-insensitively)'),
    429: error('RATE_LIMIT_EXCEEDED: too many sign-ups from this address; see Retry-After'),
  },
});

const loginRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/login',
  tags: ['auth'],
  summary: 'Sign in with email (any case) and password',
  request: body(LoginBody),
  responses: {
    200: json(SignedInSchema, 'Signed in: a new session'),
    400: error('VALIDATION_ERROR'),
    401: error('INVALID_CREDENTIALS: unknown email or wrong password (indistinguishable)'),
    429: error('RATE_LIMIT_EXCEEDED: too many failed logins for this email or address; see Retry-After'),
  },
});

const refreshRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/refresh',
  tags: ['auth'],
  summary: 'Exchange a refresh token for a new pair (the presented one stops working)',
  description: 'Presenting a refresh token that was already exchanged revokes its whole session.',
  request: body(RefreshBody),
  responses: {
    200: json(RefreshedSchema, 'A new access and refresh token'),
    400: error('VALIDATION_ERROR'),
    401: error('UNAUTHORIZED: invalid, expired, already used or revoked refresh token'),
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/logout',
  tags: ['auth'],
  summary: 'Revoke the current session',
  security: SECURITY,
  responses: {
    204: { description: 'Signed out: the session and its tokens no longer work' },
    401: error('UNAUTHORIZED'),
  },
});

const meRoute = createRoute({
  method: 'get',
  path: '/api/v1/auth/me',
  tags: ['auth'],
  summary: 'The signed-in user and their Contact Zero',
  security: SECURITY,
  responses: {
    200: json(MeSchema, 'The caller'),
    401: error('UNAUTHORIZED'),
  },
});

export function registerAuthRoutes(app: App, services: Services): void {
  const client = (c: Context<AppEnv>) => clientInfo(c, services.config.trustProxy);

  app.openapi(registerRoute, async (c) => {
    const signedIn = await services.auth.register(c.req.valid('json'), client(c));
    return c.json({ data: signedIn }, 201);
  });

  app.openapi(loginRoute, async (c) => {
    const signedIn = await services.auth.login(c.req.valid('json'), client(c));
    return c.json({ data: signedIn }, 200);
  });

  app.openapi(refreshRoute, async (c) => {
    const tokens = await services.auth.refresh(c.req.valid('json').refresh_token);
    return c.json({ data: tokens }, 200);
  });

  app.openapi(logoutRoute, async (c) => {
    await services.auth.logout(caller(c));
    return c.body(null, 204);
  });

  app.openapi(meRoute, async (c) => {
    return c.json({ data: await services.auth.me(caller(c)) }, 200);
  });
}
