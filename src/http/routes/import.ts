// The FrameLord browser-app import and its reverse for the signed-in user
// (docs/formats/framelord-export.md). Thin: the body is the export file as it is, the domain
// validates and writes it.
import { createRoute, z } from '@hono/zod-openapi';
import { exportFrameLordData } from '../../domain/import/export-service.ts';
import { importFrameLordExport } from '../../domain/import/import-service.ts';
import { SUMMARY_TABLES } from '../../domain/import/summary.ts';
import { unauthorized } from '../../domain/errors.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { ErrorEnvelopeSchema } from './auth-schemas.ts';
import { BEARER_SECURITY_SCHEME } from './auth.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

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
  security: [{ [BEARER_SECURITY_SCHEME]: [] }],
  request: {
    query: z.object({
      dry_run: z.enum(['true', 'false']).optional().openapi({ description: 'Report only; write nothing' }),
    }),
    body: { content: { 'application/json': { schema: ExportFile } }, required: true },
  },
  responses: {
    200: json(ImportAnswer, 'What the import wrote (or would write)'),
    400: json(ErrorEnvelopeSchema, 'VALIDATION_ERROR: the file or one of its records is not valid'),
    401: json(ErrorEnvelopeSchema, 'UNAUTHORIZED'),
    413: json(ErrorEnvelopeSchema, 'PAYLOAD_TOO_LARGE: body over 15 MB, or a data URL over 10 MB'),
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/api/v1/export',
  tags: ['import'],
  summary: 'Export your data in the FrameLord browser-app format',
  description:
    'The answer is the file itself (not wrapped in `data`), so it can be saved and posted back to /api/v1/import unchanged.',
  security: [{ [BEARER_SECURITY_SCHEME]: [] }],
  responses: {
    200: json(ExportFile, 'The export file'),
    401: json(ErrorEnvelopeSchema, 'UNAUTHORIZED'),
  },
});

export function registerImportRoutes(app: App, services: Services): void {
  app.openapi(importRoute, async (c) => {
    const auth = c.get('auth');
    if (!auth) throw unauthorized();
    const summary = await importFrameLordExport(services.db, auth.userId, c.req.valid('json'), {
      blobs: services.blobs,
      dryRun: c.req.valid('query').dry_run === 'true',
    });
    c.get('logger')?.info(
      { dry_run: summary.dry_run, duration_ms: summary.duration_ms, warnings: summary.warnings.length },
      'framelord import',
    );
    return c.json({ data: summary }, 200);
  });
  app.openapi(exportRoute, async (c) => {
    const auth = c.get('auth');
    if (!auth) throw unauthorized();
    const data = await exportFrameLordData(services.db, services.blobs, auth.userId);
    c.header(
      'Content-Disposition',
      `attachment; filename="framelord-export-${new Date().toISOString().slice(0, 10)}.json"`,
    );
    return c.json(data, 200);
  });
}
