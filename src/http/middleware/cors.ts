// CORS_ORIGINS: the browser app on its own origin (app.example.com calling api.example.com).
// Only listed origins get the headers; any other origin's preflight is answered without them,
// which the browser reads as a refusal. Unset, no CORS header is ever sent.
import { cors } from 'hono/cors';

/** What the API reads and sends, and nothing more (docs/api.md). */
const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'If-Match'];
const EXPOSED_HEADERS = ['ETag', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
/** Browsers cap it lower (Chromium: 2 hours); one preflight per route per 10 minutes is enough. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export function corsPolicy(origins: readonly string[]) {
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ALLOWED_METHODS,
    allowHeaders: ALLOWED_HEADERS,
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    // Bearer tokens, not cookies: credentials mode is never needed.
    credentials: false,
  });
}
