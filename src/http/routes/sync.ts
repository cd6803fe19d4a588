// Offline sync (docs/sync.md): thin routes over the sync service. The per-change fields of a push are
// documented here but validated by the domain, change by change, so one malformed change fails
// alone instead of failing the whole push.
import { createRoute, z } from '@hono/zod-openapi';
import {
  MAX_ID_LENGTH,
  MAX_PUSH_CHANGES,
  PUSHABLE_ENTITY_TYPES,
  PUSH_OPERATIONS,
} from '../../domain/sync/push-change.ts';
import { ENTITY_TYPES } from '../../domain/entity-types.ts';
import { DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT } from '../../domain/sync/pull.ts';
import { SERVER_SCHEMA_VERSION } from '../../domain/sync/schema-version.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { caller, errorResponse as error, jsonContent as json, SECURITY } from './resource-kit.ts';

const SchemaVersion = z
  .int()
  .min(0)
  .optional()
  .openapi({
    description: `The client's schema version; one greater than the server's (${SERVER_SCHEMA_VERSION}) answers 409 SCHEMA_MISMATCH.`,
  });

const EntityData = z.record(z.string(), z.unknown()).openapi('SyncEntity', {
  description: 'The entity exactly as GET of its REST resource returns it (membership sets inline).',
});

const PushChange = z
  .object({
    mutation_id: z.string().min(1).max(MAX_ID_LENGTH).openapi({
      description: 'Unique per user; a retry with the same id answers its first result and changes nothing.',
    }),
    entity_type: z
      .unknown()
      .optional()
      .openapi({
        type: 'string',
        enum: [...PUSHABLE_ENTITY_TYPES],
        description: 'Another value fails this change with VALIDATION_ERROR.',
      }),
    entity_id: z
      .unknown()
      .optional()
      .openapi({ type: 'string', format: 'uuid', description: 'Client-chosen for creates.' }),
    operation: z
      .unknown()
      .optional()
      .openapi({ type: 'string', enum: [...PUSH_OPERATIONS], description: '`delete` archives.' }),
    data: z.unknown().optional().openapi({
      type: 'object',
      description:
        'The fields to write, validated like the REST PATCH (update) or POST (create) body; only the fields present are written.',
    }),
    base_version: z.unknown().optional().openapi({
      type: 'integer',
      description:
        'The sync_version the change is based on. Current: applied. Stale or absent: the later client_updated_at wins (ties: larger device_id).',
    }),
    client_updated_at: z.unknown().optional().openapi({
      type: 'string',
      format: 'date-time',
      description: 'When the device made the change; clamped to the server clock.',
    }),
  })
  // Documented as required, validated per change: a bad or incomplete change is listed in
  // `failed` and the others still apply.
  .openapi('SyncPushChange', {
    required: ['mutation_id', 'entity_type', 'entity_id', 'operation', 'client_updated_at'],
    description:
      'Each field but mutation_id is validated per change: a bad change is listed in `failed` and the others still apply.',
  });

const PushBody = z
  .object({
    device_id: z
      .string()
      .min(1)
      .max(MAX_ID_LENGTH)
      .openapi({ description: 'Stable id of the pushing device; breaks last-write-wins ties (larger wins).' }),
    changes: z.array(PushChange).openapi({
      description: `At most ${MAX_PUSH_CHANGES} (413 PAYLOAD_TOO_LARGE beyond). Applied in order, each in its own transaction.`,
    }),
    schema_version: SchemaVersion,
  })
  .openapi('SyncPushRequest');

const PushAnswer = z
  .object({
    data: z.object({
      successful: z.array(z.string()).openapi({
        description: 'Mutations applied (a stale write that won is also listed in conflicts as client_won).',
      }),
      failed: z.array(
        z.object({ mutation_id: z.string(), error: z.object({ code: z.string(), message: z.string() }) }),
      ),
      conflicts: z.array(
        z.object({
          mutation_id: z.string(),
          entity_type: z.string(),
          entity_id: z.string(),
          resolution: z.enum(['server_won', 'client_won']),
          server: EntityData,
        }),
      ),
    }),
  })
  .openapi('SyncPushResult');

const PullBody = z
  .object({
    cursor: z
      .string()
      .max(200)
      .nullable()
      .optional()
      .openapi({ description: 'The cursor of your previous pull; absent: from the beginning.' }),
    limit: z
      .int()
      .min(1)
      .optional()
      .openapi({ description: `Changes per page: default ${DEFAULT_PULL_LIMIT}, capped at ${MAX_PULL_LIMIT}.` }),
    schema_version: SchemaVersion,
  })
  .openapi('SyncPullRequest');

const PullAnswer = z
  .object({
    data: z.object({
      changes: z.array(
        z.object({
          entity_type: z.enum(ENTITY_TYPES),
          entity_id: z.string(),
          operation: z.enum(['upsert', 'archive', 'delete']),
          data: EntityData.nullable(),
          sync_version: z.int(),
        }),
      ),
      cursor: z.string().openapi({ description: 'Opaque; send it with the next pull.' }),
      has_more: z.boolean(),
      sync_timestamp: z.string().openapi({ format: 'date-time' }),
      schema_version: z.int(),
    }),
  })
  .openapi('SyncPullResult');

const pushRoute = createRoute({
  method: 'post',
  path: '/api/v1/sync/push',
  tags: ['sync'],
  summary: "Apply a device's queued changes",
  description:
    'Each change is validated and applied like the REST call it stands for, in its own transaction, in order. Idempotent per mutation_id. ' +
    'Last-write-wins: a change based on the current version applies; otherwise the later client_updated_at (clamped to the server clock) wins ' +
    "against the row's updated_at, ties going to the larger device_id. Losers are listed in conflicts with the winning row. " +
    'Contact Zero can be edited but never created or archived (FORBIDDEN).',
  security: SECURITY,
  request: { body: { content: { 'application/json': { schema: PushBody } }, required: true } },
  responses: {
    200: json(PushAnswer, 'The outcome of every change'),
    400: error('VALIDATION_ERROR: the envelope (device_id, changes, a mutation_id) is not valid'),
    401: error('UNAUTHORIZED'),
    409: error('SCHEMA_MISMATCH: the client speaks a newer schema'),
    413: error(`PAYLOAD_TOO_LARGE: more than ${MAX_PUSH_CHANGES} changes, or a body over 15 MB`),
    429: error('RATE_LIMIT_EXCEEDED'),
  },
});

const pullRoute = createRoute({
  method: 'post',
  path: '/api/v1/sync/pull',
  tags: ['sync'],
  summary: 'Changes since your cursor, in commit order',
  description:
    'Every entity changed after the cursor, once, at its current state (archived ones as `archive`). The cursor follows commit order: ' +
    'a change committed after a pull is never skipped by the next pull from its cursor. Page with has_more: a page ends after `limit` ' +
    'changes, or earlier once its changes pass SYNC_PULL_MAX_PAGE_BYTES (16 MB by default; at least one change), since notes carry their documents.',
  security: SECURITY,
  request: { body: { content: { 'application/json': { schema: PullBody } }, required: true } },
  responses: {
    200: json(PullAnswer, 'A page of changes'),
    400: error('VALIDATION_ERROR: a cursor this server did not issue, or a bad limit'),
    401: error('UNAUTHORIZED'),
    409: error('SCHEMA_MISMATCH: the client speaks a newer schema'),
    429: error('RATE_LIMIT_EXCEEDED'),
  },
});

export function registerSyncRoutes(app: App, services: Services): void {
  app.openapi(pushRoute, async (c) => {
    const body = c.req.valid('json');
    const result = await services.sync.push(caller(c), body);
    return c.json({ data: result }, 200);
  });
  app.openapi(pullRoute, async (c) => c.json({ data: await services.sync.pull(caller(c), c.req.valid('json')) }, 200));
}
