// The FrameLord browser-app import and its reverse for the signed-in user
// (docs/formats/framelord-export.md). Thin: the body is the export file as it is, the domain
// validates and writes it.
import { createRoute, z } from '@hono/zod-openapi';
import { accountArchive, importAccountArchive } from '../../domain/import/archive.ts';
import { exportFrameLordJson } from '../../domain/import/export-service.ts';
import { importFrameLordExport } from '../../domain/import/import-service.ts';
import { SUMMARY_TABLES } from '../../domain/import/summary.ts';
import type { Context } from 'hono';
import type { Services } from '../../services.ts';
import type { AppEnv } from '../app-env.ts';
import type { App } from '../app.ts';
import { caller, errorResponse, jsonBody, jsonContent as json, SECURITY } from './resource-kit.ts';

const ExportFile = z.record(z.string(), z.unknown()).openapi('FrameLordExport', {
  description:
    'One JSON object whose keys are the app stores (framelord_contacts, framelord_notes, framelord_tasks, interactions, topics, folders, ' +
    'groups, groupMemberships, projects, projectSections, projectTaskLinks, pipelineTemplates, pipelineItems), each an array of the ' +
    "app's records in camelCase. A missing store is empty; unknown keys are ignored.",
});

const TableSummary = z.object({
  table: z.string().openapi({ example: SUMMARY_TABLES[0] }),
  added: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  kept: z.number().int().openapi({
    description: 'Rows the file would change but that were edited on the server after the time of the file record',
  }),
  removed: z.number().int(),
});

const ImportAnswer = z
  .object({
    data: z.object({
      import_id: z.string().openapi({
        format: 'uuid',
        description: "This import; the versions of the documents it wrote name it (a note's history, `import_id`)",
      }),
      dry_run: z.boolean(),
      records: z.record(z.string(), z.number().int()).openapi({ description: 'Records read per store of the file' }),
      tables: z.array(TableSummary),
      warnings: z
        .array(z.string())
        .openapi({ description: 'References dropped and records skipped (docs/formats/framelord-export.md §4.6)' }),
      duration_ms: z.number().int(),
    }),
  })
  .openapi('ImportSummary');

const importRoute = createRoute({
  method: 'post',
  path: '/api/v1/import',
  tags: ['import'],
  summary: 'Import a FrameLord browser-app export into your account',
  description:
    'Validates the whole file first: a record of the wrong type, a second Contact Zero or a broken structural reference answers ' +
    '400 VALIDATION_ERROR naming the record (e.g. `framelord_tasks[3].status`) and writes nothing. Then everything is written in ' +
    'one transaction; importing the same file again changes nothing. `dry_run=true` answers what would be written and writes nothing.',
  security: SECURITY,
  request: {
    query: z.object({
      dry_run: z.enum(['true', 'false']).optional().openapi({ description: 'Report only; write nothing' }),
    }),
    ...jsonBody(ExportFile),
  },
  responses: {
    200: json(ImportAnswer, 'What the import wrote (or would write)'),
    400: errorResponse('VALIDATION_ERROR: the file or one of its records is not valid'),
    401: errorResponse('UNAUTHORIZED'),
    413: errorResponse('PAYLOAD_TOO_LARGE: body over 15 MB, or a data URL over 10 MB'),
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/api/v1/export',
  tags: ['import'],
  summary: 'Export your data in the FrameLord browser-app format',
  description:
    'The answer is the file itself (not wrapped in `data`), so it can be saved and posted back to /api/v1/import unchanged. ' +
    'Streamed as it is read: attachments and documents are never all in memory at once. `incompleteNotes` lists ' +
    '(`[{id, logEntry}]`) each note written with the content of its document before a log entry too costly to ' +
    'integrate (docs/security.md, "Integration cost"); the archive export carries those entries.',
  security: SECURITY,
  responses: {
    200: json(ExportFile, 'The export file'),
    401: errorResponse('UNAUTHORIZED'),
  },
});

const exportArchiveRoute = createRoute({
  method: 'get',
  path: '/api/v1/export/archive',
  tags: ['import'],
  summary: 'Download everything of your account as one zip archive (docs/accounts.md)',
  description:
    '`data.json` (every entity, in the FrameLord export format), `notes/<id>.yjs` and `notes/<id>.snapshot.json` (each ' +
    "note's Yjs state and snapshot as stored), `blobs/<key>` (every blob), `manifest.json`. Streamed as it is read.",
  security: SECURITY,
  responses: {
    200: {
      content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } },
      description: 'The archive',
    },
    401: errorResponse('UNAUTHORIZED'),
  },
});

const importArchiveRoute = createRoute({
  method: 'post',
  path: '/api/v1/import/archive',
  tags: ['import'],
  summary: 'Import an account archive into your account, which must have no notes yet',
  description:
    'The body is the zip from GET /api/v1/export/archive (`Content-Type: application/zip`, at most 15 MB). The entities go ' +
    "through the FrameLord import; each note's document and snapshot are restored byte for byte.",
  security: SECURITY,
  responses: {
    200: json(
      z
        .object({ data: ImportAnswer.shape.data.extend({ documents: z.number().int() }) })
        .openapi('ArchiveImportSummary'),
      'What the import wrote',
    ),
    400: errorResponse('VALIDATION_ERROR: not a zip, not an archive, or a record is not valid'),
    401: errorResponse('UNAUTHORIZED'),
    409: errorResponse('CONFLICT: the account already has notes'),
    413: errorResponse('PAYLOAD_TOO_LARGE: body over 15 MB, or unpacking to more than 256 MB'),
  },
});

/**
 * An answer streamed from `chunks` as the client reads it. The first chunk is read before
 * answering, so a failure there is an error answer, not a broken download; a later failure cuts
 * the download (logged), which a client sees as an incomplete body.
 */
async function streamedAnswer(
  c: Context<AppEnv>,
  chunks: AsyncGenerator<Uint8Array>,
  headers: Record<string, string>,
  what: string,
): Promise<Response> {
  const first = await chunks.next();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(first.value);
      else controller.close();
    },
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        c.get('logger')?.error({ err: error }, `${what} failed mid-stream`);
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return c.body(body, 200, headers);
}

async function* utf8(pieces: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const piece of pieces) yield encoder.encode(piece);
}

const today = () => new Date().toISOString().slice(0, 10);

export function registerImportRoutes(app: App, services: Services): void {
  app.openapi(exportArchiveRoute, async (c) =>
    streamedAnswer(
      c,
      accountArchive(services.db, services.blobs, caller(c).userId),
      {
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename="framelord-archive-${today()}.zip"`,
      },
      'archive export',
    ),
  );
  app.openapi(importArchiveRoute, async (c) => {
    const auth = caller(c);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const summary = await importAccountArchive(services.db, services.blobs, auth.userId, bytes, {
      history: services.history.policy,
      sessionId: auth.sessionId,
    });
    c.get('logger')?.info({ documents: summary.documents, duration_ms: summary.duration_ms }, 'archive import');
    return c.json({ data: summary }, 200);
  });

  app.openapi(importRoute, async (c) => {
    const auth = caller(c);
    const summary = await importFrameLordExport(services.db, auth.userId, c.req.valid('json'), {
      blobs: services.blobs,
      dryRun: c.req.valid('query').dry_run === 'true',
      history: services.history.policy,
      sessionId: auth.sessionId,
    });
    c.get('logger')?.info(
      { dry_run: summary.dry_run, duration_ms: summary.duration_ms, warnings: summary.warnings.length },
      'framelord import',
    );
    return c.json({ data: summary }, 200);
  });
  // Streamed JSON: registered for the OpenAPI document, served as a plain route (the typed
  // handlers of app.openapi answer JSON through c.json, which would build it in memory).
  app.openAPIRegistry.registerPath(exportRoute);
  app.get(exportRoute.path, async (c) =>
    streamedAnswer(
      c,
      utf8(
        exportFrameLordJson(services.db, services.blobs, caller(c).userId, new Date(), {}, (note) =>
          c
            .get('logger')
            ?.warn(
              { note_id: note.noteId, log_entry: note.logEntry },
              'export: note written without its whole content, a log entry is too costly to integrate',
            ),
        ),
      ),
      {
        'Content-Type': 'application/json',
        'Content-Disposition': `attachment; filename="framelord-export-${today()}.json"`,
      },
      'export',
    ),
  );
}
