import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { Services } from '../services.ts';
import type { AppEnv } from './app-env.ts';
import { errorEnvelope, sendError, toDomainError } from './error-response.ts';
import { authenticate } from './middleware/authenticate.ts';
import { corsPolicy } from './middleware/cors.ts';
import { bodySizeLimits, textGuard } from './middleware/input-guard.ts';
import { apiRateLimit } from './middleware/rate-limit.ts';
import { requestContext } from './middleware/request-context.ts';
import { validationHook } from './validation.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerBearerScheme } from './routes/resource-kit.ts';

/** docs/security.md: bodies that carry documents or attachments (inline data URLs) up to 15 MB. */
export const MAX_REQUEST_BODY_BYTES = 15 * 1024 * 1024;

/** Routes whose body streams to the blob store (docs/blobs.md). */
const STREAMED_BODY_PATH = /^\/api\/v1\/blobs\/[^/]+$/;

export type App = OpenAPIHono<AppEnv>;

const HTML_HEADERS = { xFrameOptions: 'DENY', referrerPolicy: 'no-referrer', xContentTypeOptions: 'nosniff' } as const;

/** /docs is one self-contained page (an inline style, no script): everything else is forbidden. */
const DOCS_CSP = {
  defaultSrc: ["'none'"],
  styleSrc: ["'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * The demo page (demo/, a Vite build): every script is a file of the build, so scripts come from
 * 'self' only — no inline script, no eval; 'wasm-unsafe-eval' lets the code highlighter (Shiki's
 * Oniguruma) compile its WebAssembly, and nothing else. The sync socket is same-origin ('self' covers ws: and
 * wss: to this host). Images are the server's blobs, data: URLs of pasted images and blob: URLs
 * the editor makes. Styles allow inline: BlockSuite's lit components apply hundreds of inline
 * styles (measured: every one refused without it), changing with the content, so neither hashes nor
 * a nonce can list them; an inline style cannot run code.
 * test/e2e fails on any CSP violation the page reports.
 */
const DEMO_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** A transport module: adds its routes to the app, calling domain services only. */
export type RouteModule = (app: App, services: Services) => void;

export function createApp(services: Services, modules: RouteModule[]): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', requestContext(services.logger, services.metrics));
  // Before authentication: a preflight carries no token and must not be refused for it.
  if (services.config.corsOrigins.length > 0) app.use('*', corsPolicy(services.config.corsOrigins));
  // Before authentication: a login body is bounded, depth-checked and NUL-free before it is parsed.
  // Blob uploads stream to the store under their own limit (BLOB_MAX_BYTES, checked as the bytes
  // arrive); a body limit would read a body without Content-Length into memory first.
  const limitBody = bodySizeLimits({ small: services.config.maxBodyBytes, large: MAX_REQUEST_BODY_BYTES });
  app.use('/api/*', (c, next) => (STREAMED_BODY_PATH.test(c.req.path) ? next() : limitBody(c, next)));
  app.use('/api/*', textGuard());

  // Before every route module: all of /api/v1 needs an access token except the public auth
  // routes (PUBLIC_API_PATHS), so a module added later is protected without doing anything.
  app.use('/api/v1/*', authenticate(services.auth));
  registerBearerScheme(app);
  app.use('/api/v1/*', apiRateLimit(services.rateLimiter, services.rateLimitRules.apiPerUser));

  // The HTML routes: no sniffing, no framing, no referrer leaks, and a Content-Security-Policy each.
  app.use('/docs', secureHeaders({ ...HTML_HEADERS, contentSecurityPolicy: DOCS_CSP }));
  app.use('/demo/*', secureHeaders({ ...HTML_HEADERS, contentSecurityPolicy: DEMO_CSP }));

  registerHealthRoutes(app, services);
  for (const register of modules) register(app, services);

  app.notFound((c) => c.json(errorEnvelope(c, 'NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status === 400) {
      // Hono's validators throw this for a body that is not JSON at all.
      return c.json(
        errorEnvelope(c, 'VALIDATION_ERROR', 'The request body is not valid JSON', [
          { field: 'body', message: error.message },
        ]),
        400,
      );
    }
    if (error instanceof HTTPException && error.status === 415) {
      // @hono/zod-openapi refuses a body whose Content-Type the route does not declare.
      return c.json(
        errorEnvelope(c, 'VALIDATION_ERROR', 'The request body must be JSON', [
          { field: 'body', message: 'Content-Type must be application/json' },
        ]),
        400,
      );
    }
    if (error instanceof HTTPException && error.status === 413) {
      return c.json(errorEnvelope(c, 'PAYLOAD_TOO_LARGE', 'The request body is too large'), 413);
    }
    const { domainError, unexpected } = toDomainError(error);
    if (unexpected) c.get('logger')?.error({ err: error }, 'request failed');
    // A stored note, or an archive's state, the request would have decoded: the operator's to look
    // at, and the details name it (docs/security.md, "Integration cost").
    if (domainError.code === 'DOCUMENT_TOO_COSTLY')
      c.get('logger')?.warn(domainError.details as object, 'document decode refused: too costly to integrate');
    services.metrics.errors.inc({ transport: 'http', code: domainError.code });
    return sendError(c, domainError);
  });
  return app;
}
