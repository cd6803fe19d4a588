// docs/collaboration.md: HTTP document sync for clients without a socket. Thin: decode base64,
// call the domain, encode the answer.
import { createRoute, z } from '@hono/zod-openapi';
import { syncNoteDocument } from '../../domain/documents/note-document-sync.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { caller, ERRORS, errorResponse, jsonBody, jsonContent as json, SECURITY } from './resource-kit.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const base64Field = (description: string) =>
  z
    .string()
    .refine((value) => BASE64.test(value) && value.length % 4 !== 1, 'must be base64')
    .optional()
    .openapi({ format: 'byte', description });

const DocumentSyncBody = z
  .strictObject({
    update: base64Field('A Yjs update (v1) to apply to the document'),
    state_vector: base64Field("The caller's Yjs state vector; the answer then holds only what the caller lacks"),
  })
  .openapi('DocumentSyncRequest');

const DocumentSyncAnswer = z
  .object({
    data: z.object({
      update: z.string().openapi({ format: 'byte', description: 'Yjs update with everything the caller lacks' }),
      state_vector: z.string().openapi({ format: 'byte', description: "The server's state vector after the update" }),
    }),
  })
  .openapi('DocumentSyncResponse');

const documentSyncRoute = createRoute({
  method: 'post',
  path: '/api/v1/notes/{id}/doc',
  tags: ['notes'],
  summary: "Sync a note's collaborative document over HTTP",
  description:
    'Applies `update` (if any) through the live document, so connected editors see it at once; it is committed to the ' +
    'update log before the answer. Answers the diff the caller lacks (given `state_vector`) and the server state vector. ' +
    'Only `state_vector` is a read.',
  security: SECURITY,
  request: {
    params: z.object({ id: z.string().openapi({ format: 'uuid' }) }),
    ...jsonBody(DocumentSyncBody),
  },
  responses: {
    200: json(DocumentSyncAnswer, 'What the caller lacks, and the server state vector'),
    400: errorResponse('VALIDATION_ERROR: bad base64, or bytes that are not a Yjs update / state vector'),
    401: errorResponse('UNAUTHORIZED'),
    404: errorResponse("NOT_FOUND: no such note, or another user's"),
    413: errorResponse(
      'PAYLOAD_TOO_LARGE: the document would exceed MAX_DOCUMENT_BYTES or MAX_DOCUMENT_STRUCTS, the update MAX_UPDATE_STRUCTS, ' +
        'or placing its items would walk more than MAX_INTEGRATION_STEPS items of the document',
    ),
    422: ERRORS[422],
  },
});

const fromBase64 = (value: string | undefined) =>
  value === undefined ? undefined : new Uint8Array(Buffer.from(value, 'base64'));
const toBase64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export function registerNoteDocumentRoutes(app: App, services: Services): void {
  app.openapi(documentSyncRoute, async (c) => {
    const auth = caller(c);
    const body = c.req.valid('json');
    const result = await syncNoteDocument(services.db, services.documents, auth, c.req.valid('param').id, {
      update: fromBase64(body.update),
      stateVector: fromBase64(body.state_vector),
    });
    return c.json({ data: { update: toBase64(result.update), state_vector: toBase64(result.stateVector) } }, 200);
  });
}
