// docs/history-and-trash.md: a note's version history. Thin: the caller and the path → the
// history service → an envelope (the Yjs state as base64).
import { createRoute, z } from '@hono/zod-openapi';
import type { NoteVersionSummary } from '../../domain/history/version-store.ts';
import { MAX_VERSIONS_PER_PAGE } from '../../domain/history/history-service.ts';
import { parseInput } from '../../domain/validation.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { caller, jsonContent as json, pathParam, pickErrors, SECURITY } from './resource-kit.ts';
import { ListLinks, ListMeta, listAnswer } from './resources.ts';

const VersionSummary = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    note_id: z.string().openapi({ format: 'uuid' }),
    created_at: z.string().openapi({ format: 'date-time' }),
    title: z.string().nullable(),
    source: z.enum(['edit', 'restore', 'import']).openapi({
      description:
        '`edit`: taken on a document store while editing; `restore`: the state a restore replaced; `import`: a document an import wrote.',
    }),
    size: z.int().openapi({ description: 'Bytes of the Yjs state' }),
    stored_size: z.int().openapi({ description: 'Bytes stored (deflated)' }),
    device_id: z
      .string()
      .nullable()
      .openapi({
        format: 'uuid',
        description:
          'The signed-in device that made it, as the session id of GET /api/v1/auth/sessions: for `edit` the device of the ' +
          'newest edit it holds, for `restore` the one that asked for the restore, for `import` the one that ran the import. ' +
          'Null when unknown.',
      }),
    device_name: z.string().nullable().openapi({ description: "That session's user agent; null when unknown." }),
    import_id: z.string().nullable().openapi({
      format: 'uuid',
      description: 'The import that made it (`source: import`; the `import_id` of its summary); null otherwise.',
    }),
  })
  .openapi('NoteVersion');

const VersionDetail = VersionSummary.extend({
  text: z.string(),
  snapshot: z
    .object({
      title: z.string(),
      text: z.string(),
      blocks: z.array(z.object({ id: z.string(), flavour: z.string(), text: z.string() })),
    })
    .openapi({ description: 'Same shape as a note’s blocksuite_snapshot' }),
  state: z.string().openapi({ format: 'byte', description: 'The full Yjs state (v1 update), base64' }),
}).openapi('NoteVersionDetail');

const RestoreAnswer = z
  .object({
    data: z.object({
      restored: VersionSummary,
      saved: VersionSummary.openapi({ description: 'The version holding the state the restore replaced' }),
      update_bytes: z.int(),
    }),
  })
  .openapi('NoteVersionRestore');

const pagingParameter = (description: string) =>
  z.coerce.number().int().min(1).max(1_000_000_000).optional().openapi({ description });

const HistoryQuery = z.object({
  page: pagingParameter('Page number, from 1'),
  per_page: pagingParameter(`Versions per page (default 20); above ${MAX_VERSIONS_PER_PAGE} is capped`),
});
const NoteParams = z.object({ id: pathParam('id', 'Note id') });
const VersionParams = NoteParams.extend({ version: pathParam('version', 'Version id') });

const present = <V extends NoteVersionSummary>(version: V) => ({
  ...version,
  created_at: version.created_at.toISOString(),
});
const toBase64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export function registerNoteHistoryRoutes(app: App, services: Services): void {
  const { history } = services;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/notes/{id}/history',
      tags: ['notes'],
      summary: "A note's versions, newest first",
      security: SECURITY,
      request: { params: NoteParams, query: HistoryQuery },
      responses: {
        200: json(
          z.object({ data: z.array(VersionSummary), meta: ListMeta, links: ListLinks }).openapi('NoteVersionList'),
          'A page of versions',
        ),
        ...pickErrors(400, 401, 404, 429),
      },
    }),
    async (c) => {
      const query = parseInput(HistoryQuery, c.req.query()) as { page?: number; per_page?: number };
      const page = await history.list(caller(c), c.req.param('id') as string, query);
      return c.json(listAnswer(c, page, page.data.map(present)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/notes/{id}/history/{version}',
      tags: ['notes'],
      summary: 'One version: title, plain text, snapshot and the Yjs state',
      security: SECURITY,
      request: { params: VersionParams },
      responses: {
        200: json(z.object({ data: VersionDetail }), 'The version'),
        ...pickErrors(401, 404, 429),
      },
    }),
    async (c) => {
      const version = await history.get(caller(c), c.req.param('id') as string, c.req.param('version') as string);
      return c.json({ data: { ...present(version), state: toBase64(version.state) } }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/notes/{id}/history/{version}/restore',
      tags: ['notes'],
      summary: 'Bring a version back: a forward change to the live document',
      description:
        'Applies to the live document the update that makes its content equal the version, committed to the update ' +
        'log before the answer: every open editor sees it, offline devices merge it like any edit. The state it ' +
        'replaced is kept as a new version (`saved`). Title, links, topics and search follow before the answer.',
      security: SECURITY,
      request: { params: VersionParams },
      responses: {
        200: json(RestoreAnswer, 'Restored'),
        ...pickErrors(401, 404, 413, 422, 429),
      },
    }),
    async (c) => {
      const result = await history.restore(caller(c), c.req.param('id') as string, c.req.param('version') as string);
      return c.json(
        {
          data: { restored: present(result.restored), saved: present(result.saved), update_bytes: result.update_bytes },
        },
        200,
      );
    },
  );
}
