// docs/blobs.md: the blob store over HTTP, BlockSuite's blob source (`get`, `set`, `delete`, `list`)
// against the server. Thin: headers and streams in and out; every rule is in domain/blobs.
import { createRoute, z } from '@hono/zod-openapi';
import type { BlobInfo, FoundBlob } from '../../domain/blobs/blob-service.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { parseByteRange } from '../byte-range.ts';
import { caller, ErrorResponseSchema, pickErrors, SECURITY } from './resource-kit.ts';

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorResponseSchema } },
});

const BlobSchema = z
  .object({
    key: z.string().openapi({ example: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg=' }),
    size: z.number().int().openapi({ description: 'Bytes' }),
    content_type: z.string().openapi({ example: 'image/png' }),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Blob');

const keyParam = z.object({
  key: z
    .string()
    .max(100)
    .openapi({
      param: { name: 'key', in: 'path' },
      description:
        'The SHA-256 of the bytes as BlockSuite computes `sourceId`: standard base64 with `+` → `-` and `/` → `_`, padding kept (44 characters).',
    }),
});

const BINARY = { schema: { type: 'string' as const, format: 'binary' } };

const BLOB_HEADERS = {
  ETag: { description: 'The key, quoted', schema: { type: 'string' as const } },
  'Cache-Control': { description: 'private, max-age=31536000, immutable', schema: { type: 'string' as const } },
  'Accept-Ranges': { description: 'bytes', schema: { type: 'string' as const } },
  'Content-Length': { description: 'Bytes in this answer', schema: { type: 'integer' as const } },
};

const putRoute = createRoute({
  method: 'put',
  path: '/api/v1/blobs/{key}',
  tags: ['blobs'],
  summary: 'Upload a blob (an image or attachment) under its content hash',
  description:
    'The raw bytes with their Content-Type. The server hashes the body as it streams in and stores nothing unless ' +
    'the hash is the key. Uploading a key you already have changes nothing (200). At most BLOB_MAX_BYTES per blob ' +
    'and BLOB_QUOTA_BYTES per user.',
  security: SECURITY,
  request: {
    params: keyParam,
    body: { content: { '*/*': BINARY }, required: true, description: 'The bytes' },
  },
  responses: {
    200: {
      description: 'You had this blob already',
      content: { 'application/json': { schema: z.object({ data: BlobSchema }) } },
    },
    201: { description: 'Stored', content: { 'application/json': { schema: z.object({ data: BlobSchema }) } } },
    400: error(
      'VALIDATION_ERROR: the key is not the SHA-256 of the body, the Content-Type is not a media type, or the upload was cut off',
    ),
    401: error('UNAUTHORIZED'),
    413: error(
      'PAYLOAD_TOO_LARGE: over BLOB_MAX_BYTES; QUOTA_EXCEEDED: over your BLOB_QUOTA_BYTES (details: used_bytes, quota_bytes, requested_bytes)',
    ),
    ...pickErrors(429),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/v1/blobs/{key}',
  tags: ['blobs'],
  summary: 'Download a blob (HEAD: its headers only)',
  description:
    'The bytes with their Content-Type; a single `Range: bytes=…` answers 206 with that part. `If-None-Match` with ' +
    'the ETag answers 304. Another user’s key answers 404 exactly like a missing one.',
  security: SECURITY,
  request: {
    params: keyParam,
    headers: z.object({
      range: z
        .string()
        .optional()
        .openapi({
          param: { name: 'range', in: 'header' },
          description: 'bytes=first-last, bytes=first-, bytes=-suffix',
        }),
    }),
  },
  responses: {
    200: { description: 'The bytes', headers: BLOB_HEADERS, content: { '*/*': BINARY } },
    206: {
      description: 'The requested range (Content-Range says which)',
      headers: BLOB_HEADERS,
      content: { '*/*': BINARY },
    },
    304: { description: 'Not modified (If-None-Match names this blob)' },
    401: error('UNAUTHORIZED'),
    404: error('NOT_FOUND: no blob of yours has this key'),
    416: error('RANGE_NOT_SATISFIABLE: the range starts past the end (Content-Range: bytes */size)'),
    ...pickErrors(429),
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/v1/blobs/{key}',
  tags: ['blobs'],
  summary: 'Delete a blob',
  description:
    'Deleted at once (204) unless one of your notes still uses it: then it is kept, marked, and removed by clean-up once ' +
    'no note does (202).',
  security: SECURITY,
  request: { params: keyParam },
  responses: {
    202: {
      description: 'Still used by notes: removed once none uses it',
      content: {
        'application/json': {
          schema: z.object({
            data: z.object({ key: z.string(), deleted: z.literal(false), referencing_notes: z.number().int() }),
          }),
        },
      },
    },
    204: { description: 'Deleted' },
    401: error('UNAUTHORIZED'),
    404: error('NOT_FOUND: no blob of yours has this key'),
    ...pickErrors(429),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/blobs',
  tags: ['blobs'],
  summary: 'Your blobs, newest first',
  security: SECURITY,
  request: {
    query: z.object({
      page: z.coerce.number().int().min(1).max(1_000_000_000).optional().openapi({ description: 'From 1' }),
      per_page: z.coerce
        .number()
        .int()
        .min(1)
        .max(1_000_000_000)
        .optional()
        .openapi({ description: 'Default 50; above 200 is capped to 200' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of blobs',
      content: {
        'application/json': {
          schema: z.object({
            data: z.array(BlobSchema),
            meta: z.object({
              page: z.number().int(),
              per_page: z.number().int(),
              total: z.number().int(),
              total_pages: z.number().int(),
            }),
          }),
        },
      },
    },
    400: error('VALIDATION_ERROR'),
    401: error('UNAUTHORIZED'),
    ...pickErrors(429),
  },
});

const usageRoute = createRoute({
  method: 'get',
  path: '/api/v1/blobs/usage',
  tags: ['blobs'],
  summary: 'Bytes your blobs use, and your quota',
  security: SECURITY,
  responses: {
    200: {
      description: 'Usage',
      content: {
        'application/json': {
          schema: z.object({
            data: z.object({
              used_bytes: z.number().int(),
              quota_bytes: z.number().int(),
              blob_count: z.number().int(),
            }),
          }),
        },
      },
    },
    401: error('UNAUTHORIZED'),
    ...pickErrors(429),
  },
});

/** The blob as the bytes' own headers say it; a Range answer narrows Content-Length later. */
function blobHeaders(blob: BlobInfo): Record<string, string> {
  return {
    'Content-Type': blob.content_type,
    ETag: `"${blob.key}"`,
    // Same key, same bytes: a browser may keep it for good, but only for this user.
    'Cache-Control': 'private, max-age=31536000, immutable',
    'Accept-Ranges': 'bytes',
    'Last-Modified': new Date(blob.created_at).toUTCString(),
    // Bytes anyone uploaded must never run as a page of this origin (an HTML or SVG "image").
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
  };
}

const matchesEtag = (header: string | undefined, blob: FoundBlob) =>
  header?.split(',').some((tag) => {
    const value = tag.trim().replace(/^W\//, '');
    return value === '*' || value === `"${blob.key}"`;
  });

/**
 * The request body as the service reads it, and whether it was read to its end. A client that
 * hangs up mid-upload is a refusal, not a crash.
 */
function requestBody(body: ReadableStream<Uint8Array> | null): {
  chunks: AsyncIterable<Uint8Array>;
  ended: () => boolean;
} {
  let ended = body === null;
  async function* chunks(): AsyncIterable<Uint8Array> {
    if (!body) return;
    try {
      for await (const piece of body) yield piece;
    } catch {
      throw new DomainError('VALIDATION_ERROR', 'The upload was cut off before its end: nothing was stored');
    }
    ended = true;
  }
  return { chunks: chunks(), ended: () => ended };
}

/** A pull stream: the next chunk is read from the store only when the socket has taken the last. */
function streamOf(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export function registerBlobRoutes(app: App, services: Services): void {
  const { blobs } = services;

  app.openapi(usageRoute, async (c) => c.json({ data: await blobs.usage(caller(c)) }, 200));

  app.openapi(listRoute, async (c) => {
    const { data, ...meta } = await blobs.list(caller(c), c.req.valid('query'));
    return c.json({ data, meta }, 200);
  });

  app.openapi(putRoute, async (c) => {
    const length = c.req.header('content-length');
    const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    const body = requestBody(c.req.raw.body);
    let outcome: Awaited<ReturnType<typeof blobs.put>>;
    try {
      outcome = await blobs.put(caller(c), {
        key: c.req.valid('param').key,
        contentType: c.req.header('content-type'),
        declaredBytes: declared,
        body: body.chunks,
      });
    } catch (refusal) {
      // Refused before the body's end (a limit, the quota): the rest is not read, so the
      // connection cannot carry another request; say so, or a client would reuse it and fail.
      if (!body.ended()) c.header('Connection', 'close');
      throw refusal;
    }
    const { created, blob } = outcome;
    // A key the user had already answers before its body is read: same as above.
    if (!body.ended() && declared !== 0) c.header('Connection', 'close');
    c.header('ETag', `"${blob.key}"`);
    return created ? c.json({ data: blob }, 201) : c.json({ data: blob }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const blob = await blobs.find(caller(c), c.req.valid('param').key);
    const headers = blobHeaders(blob);
    if (matchesEtag(c.req.header('if-none-match'), blob)) return c.body(null, 304, headers);
    let range: ReturnType<typeof parseByteRange>;
    try {
      range = parseByteRange(c.req.header('range'), blob.size);
    } catch (refusal) {
      c.header('Content-Range', `bytes */${blob.size}`);
      throw refusal;
    }
    const whole = { start: 0, end: blob.size - 1 };
    const part = range ?? whole;
    headers['Content-Length'] = String(blob.size === 0 ? 0 : part.end - part.start + 1);
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${blob.size}`;
    const status = range ? 206 : 200;
    // Hono answers HEAD through this GET route and drops the body: do not start reading one.
    if (c.req.method === 'HEAD' || blob.size === 0) return c.body(null, status, headers);
    return c.body(streamOf(await blobs.open(blob, part)), status, headers);
  });

  app.openapi(deleteRoute, async (c) => {
    const key = c.req.valid('param').key;
    const outcome = await blobs.remove(caller(c), key);
    if (outcome.deleted) return c.body(null, 204);
    return c.json({ data: { key, deleted: false as const, referencing_notes: outcome.referencing_notes } }, 202);
  });

  app.openAPIRegistry.registerPath({
    method: 'head',
    path: '/api/v1/blobs/{key}',
    tags: ['blobs'],
    summary: 'A blob’s headers (size, type, ETag) without its bytes',
    security: SECURITY,
    request: { params: keyParam },
    responses: {
      200: { description: 'The blob exists', headers: BLOB_HEADERS },
      404: { description: 'NOT_FOUND: no blob of yours has this key' },
    },
  });
}
