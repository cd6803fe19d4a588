import type { MiddlewareHandler } from 'hono';
import type { AuthService } from '../../domain/auth/auth-service.ts';
import { isDomainError, unauthorized } from '../../domain/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { sendError } from '../error-response.ts';

/** The only /api/v1 paths served without an access token. Everything else is protected by default. */
export const PUBLIC_API_PATHS: ReadonlySet<string> = new Set([
  '/api/v1/auth/register',
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
  // The mailed links: the person may open them signed out, or in another browser.
  '/api/v1/auth/password/forgot',
  '/api/v1/auth/password/reset',
  '/api/v1/auth/email/verify',
]);

/**
 * The identity-provider sign-in routes a browser reaches without a token (docs/identity-providers.md):
 * the provider list, start, callback and the code exchange. Linking (/auth/identities) needs one.
 */
const PUBLIC_OIDC_PATH = /^\/api\/v1\/auth\/oidc\/(providers|exchange|[a-z0-9]+\/(start|callback))$/;

export const isPublicApiPath = (path: string): boolean => PUBLIC_API_PATHS.has(path) || PUBLIC_OIDC_PATH.test(path);

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * `Authorization: Bearer <access token>` → `c.get('auth')`. Mounted once on `/api/v1/*` before
 * any route module, so a route added later cannot forget it. Every refusal is the same 401.
 */
export function authenticate(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isPublicApiPath(c.req.path)) return next();
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token) return sendError(c, unauthorized('A bearer access token is required'));
    try {
      c.set('auth', await auth.verifyAccessToken(token));
    } catch (error) {
      if (isDomainError(error) && error.code === 'UNAUTHORIZED')
        return sendError(c, unauthorized('The token is invalid or expired'));
      throw error;
    }
    return next();
  };
}
