import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { AppEnv } from '../app-env.ts';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives every request an id (the client's `X-Request-Id` when it is sane), a child logger that
 * carries it, one access-log line and one histogram observation. The line names the route
 * pattern, never the body or the query string, which may hold user content or secrets.
 */
export function requestContext(logger: Logger, metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const offered = c.req.header('x-request-id');
    const requestId = offered && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    c.set('requestId', requestId);
    c.set('logger', logger.child({ request_id: requestId }));
    c.header('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = c.req.routePath && c.req.routePath !== '/*' ? c.req.routePath : 'unmatched';
      const status = c.res.status;
      metrics.httpRequestDuration.observe({ method: c.req.method, route, status: String(status) }, seconds);
      const auth = c.get('auth');
      c.get('logger').info(
        {
          method: c.req.method,
          route,
          path: c.req.path,
          status,
          duration_ms: Math.round(seconds * 1000),
          user_id: auth?.userId,
        },
        'request',
      );
    }
  };
}
