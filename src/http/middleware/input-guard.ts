// What a request may send before any route reads it (docs/security.md):
// - a body size by route: most JSON routes (auth, tasks, topics, …) take at most
//   MAX_BODY_BYTES; only the routes that carry documents, attachments or data-URL images
//   (LARGE_BODY_PATHS) take up to MAX_REQUEST_BODY_BYTES. 413 PAYLOAD_TOO_LARGE beyond;
// - JSON nested at most MAX_JSON_DEPTH deep, checked on the bytes before anything parses them
//   (400 VALIDATION_ERROR, field `body`);
// - no NUL character in any text: the body's strings, the query parameters and the path
//   (PostgreSQL refuses it in text, which used to surface as a 500): 400 VALIDATION_ERROR naming
//   the field as the request spells it.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { fieldError, validationError, type FieldProblem } from '../../domain/errors.ts';
import { jsonDepthWithin, MAX_JSON_DEPTH } from '../../domain/json-depth.ts';
import { hasNul, NUL_MESSAGE, unstorableTextFields } from '../../domain/storable-text.ts';
import type { AppEnv } from '../app-env.ts';
import { errorEnvelope, sendError } from '../error-response.ts';

/** Routes whose bodies carry Yjs documents, imports, attachments or data-URL images. */
const LARGE_BODY_PATHS = [
  /^\/api\/v1\/import(\/|$)/,
  /^\/api\/v1\/sync\/push$/,
  /^\/api\/v1\/notes\/[^/]+\/doc$/,
  /^\/api\/v1\/(interactions|projects|contacts|groups|blobs)(\/|$)/,
  /\/attachments(\/|$)/,
];

/** Uploads that are not JSON (files, images) are never held to the small JSON limit. */
const BINARY_BODY = /^(application\/octet-stream|multipart\/|image\/|video\/|audio\/)/i;

export const isLargeBodyPath = (path: string) => LARGE_BODY_PATHS.some((pattern) => pattern.test(path));

const describeBytes = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KiB`;

export function bodySizeLimits(limits: { small: number; large: number }): MiddlewareHandler<AppEnv> {
  const limiter = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) =>
        c.json(errorEnvelope(c, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${describeBytes(maxSize)}`), 413),
    });
  const small = limiter(limits.small);
  const large = limiter(limits.large);
  return (c, next) =>
    isLargeBodyPath(c.req.path) || BINARY_BODY.test(c.req.header('content-type') ?? '')
      ? large(c, next)
      : small(c, next);
}

const NUL = '\u0000';
/** `\u0000` as JSON spells it (either case of hex digits is the same escape). */
const ESCAPED_NUL = /\\u0000/;

export function textGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return sendError(c, fieldError('path', 'is not valid percent-encoding'));
    }
    if (hasNul(path)) return sendError(c, fieldError('path', NUL_MESSAGE));
    const queryProblems: FieldProblem[] = [];
    for (const [name, value] of url.searchParams)
      if (hasNul(name) || hasNul(value))
        queryProblems.push({ field: name.replaceAll(NUL, '\\0'), message: NUL_MESSAGE });
    if (queryProblems.length > 0) return sendError(c, validationError(queryProblems));

    const type = c.req.header('content-type') ?? '';
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && /^application\/(.+\+)?json\b/i.test(type)) {
      // Read once here, within the body limit; Hono keeps it for the route's own c.req.json().
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (!jsonDepthWithin(bytes, MAX_JSON_DEPTH))
        return sendError(c, fieldError('body', `nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`));
      // Parsed again only when an escaped NUL is there at all, to name the field that holds it.
      if (ESCAPED_NUL.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'))) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(new TextDecoder().decode(bytes));
        } catch {
          parsed = undefined; // Not JSON: the route answers that.
        }
        const problems = unstorableTextFields(parsed);
        if (problems.length > 0) return sendError(c, validationError(problems));
      }
    }
    return next();
  };
}
