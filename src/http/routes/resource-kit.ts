// Pieces every route shares, declared once for the handlers and /openapi.json: the caller, the
// bearer scheme (registered in openapi.ts), the JSON helpers, path and header parameters, the
// envelopes (`{data}`, ETag) and the one error-envelope schema.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AuthContext } from '../../domain/auth/auth-context.ts';
import { unauthorized } from '../../domain/errors.ts';
import type { Entity } from '../../domain/resources/index.ts';
import type { Resource } from '../../domain/resources/resource.ts';
import { entityTag, parseIfMatch } from '../../domain/versioning.ts';
import type { App } from '../app.ts';
import type { AppEnv } from '../app-env.ts';

export const BEARER_SCHEME = 'bearerAuth';
/** What a route that needs an access token names as its `security`. */
export const SECURITY = [{ [BEARER_SCHEME]: [] }];

/** The one registration of the bearer scheme, done by createApp (src/http/app.ts) with the authentication it documents. */
export function registerBearerScheme(app: App): void {
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from POST /api/v1/auth/login or /register (1 hour).',
  });
}

export type ResourceContext = Context<AppEnv>;
/** The caller, set by the authentication middleware; fail closed if a route was mounted without it. */
export function caller(c: ResourceContext): AuthContext {
  const auth = c.get('auth');
  if (!auth) throw unauthorized();
  return auth;
}

export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_ERROR' }),
      message: z.string(),
      details: z.unknown().optional().openapi({
        description:
          'VALIDATION_ERROR: [{field, message}]; SYNC_CONFLICT: {server_version, client_version, server_updated_at}',
      }),
    }),
    meta: z.object({ timestamp: z.string().openapi({ format: 'date-time' }), request_id: z.string() }),
  })
  .openapi('ErrorResponse');

/** A JSON response (or any JSON content) of `schema`: the one helper every route module uses. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** An error response: always the one envelope (src/http/error-response.ts writes it). */
export const errorResponse = (description: string) => jsonContent(ErrorResponseSchema, description);

export const ERRORS = {
  400: errorResponse('VALIDATION_ERROR: details name every offending field'),
  401: errorResponse('UNAUTHORIZED: missing, invalid or expired access token'),
  403: errorResponse('FORBIDDEN'),
  404: errorResponse('NOT_FOUND: no such id among your rows'),
  409: errorResponse('CONFLICT (the id exists) or SYNC_CONFLICT (If-Match names a stale version)'),
  413: errorResponse('PAYLOAD_TOO_LARGE: body over 15 MB or a data URL over 10 MB decoded'),
  422: errorResponse(
    "DOCUMENT_TOO_COSTLY: the note's log holds an entry too costly to integrate (details: note_id, log_entry, limit, max)",
  ),
  429: errorResponse('RATE_LIMIT_EXCEEDED: see Retry-After and X-RateLimit-*'),
} as const;

export function pickErrors<K extends keyof typeof ERRORS>(...codes: K[]): Pick<typeof ERRORS, K> {
  return Object.fromEntries(codes.map((code) => [code, ERRORS[code]])) as Pick<typeof ERRORS, K>;
}

export const ETAG_HEADER = { ETag: { description: 'W/"<sync_version>"', schema: { type: 'string' as const } } };

/** A required JSON request body of `schema`. */
export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  body: { content: { 'application/json': { schema } }, required: true, ...(description ? { description } : {}) },
});

export const dataEnvelope = (schema: z.ZodType) => z.object({ data: schema });

export const entityResponse = (schema: z.ZodType, description: string) => ({
  description,
  headers: ETAG_HEADER,
  content: { 'application/json': { schema: dataEnvelope(schema) } },
});

export const pathParam = (name: string, description: string) =>
  z
    .string()
    .max(255)
    .openapi({ param: { name, in: 'path' }, description, format: 'uuid' });

export const IfMatchHeaders = z.object({
  'if-match': z
    .string()
    .optional()
    .openapi({
      param: { name: 'if-match', in: 'header' },
      description:
        'W/"<sync_version>" the write is based on; a stale one answers 409 SYNC_CONFLICT. Absent: last write wins.',
    }),
});

export const expectedVersion = (c: ResourceContext): number | undefined => parseIfMatch(c.req.header('if-match'));

/** A single-entity answer: `{data}` and its version as ETag (docs/api.md). */
export function sendEntity<S extends 200 | 201 = 200>(c: ResourceContext, entity: Entity, status?: S) {
  return sendVersioned(c, entity, entity.sync_version, status);
}

/** `{data}` of a part of an entity (an item, a collection), tagged with the entity's version. */
export function sendVersioned<S extends 200 | 201 = 200>(
  c: ResourceContext,
  data: unknown,
  version: unknown,
  status?: S,
) {
  c.header('ETag', entityTag(Number(version)));
  return c.json({ data }, (status ?? 200) as S);
}

/**
 * A domain object schema as a named OpenAPI component. zod 4 copies prototype methods onto each
 * schema when it is built, so schemas the domain built before @hono/zod-openapi extended zod lack
 * `.openapi()`: the component is a fresh object over the same fields (and the same strictness, since
 * route schemas also validate the requests).
 */
export function component(schema: z.ZodObject, name: string): z.ZodObject {
  const strict = (schema.def.catchall as z.ZodType | undefined)?._zod.def.type === 'never';
  return (strict ? z.strictObject(schema.shape) : z.object(schema.shape)).openapi(name);
}

const entitySchemas = new WeakMap<Resource, z.ZodObject>();

/** The named OpenAPI component of a resource's entity, built once. */
export function entitySchemaOf(resource: Resource): z.ZodObject {
  let schema = entitySchemas.get(resource);
  if (!schema) {
    schema = component(resource.schemas.response, resource.definition.name);
    entitySchemas.set(resource, schema);
  }
  return schema;
}
