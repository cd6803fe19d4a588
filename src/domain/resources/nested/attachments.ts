// Inline attachments `[{file_name, mime_type, data_url}]` of interactions and projects.
import { inArray } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { DATA_URL_MAX_CHARS } from '../../../db/schema/text-limits.ts';
import { validationError, type FieldProblem } from '../../errors.ts';
import { checkAttachmentDataUrl } from '../data-url.ts';
import type { NestedCollection } from '../definition.ts';
import { childRows } from './child-rows.ts';

export const MAX_ATTACHMENTS = 50;

const MIME_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

export interface AttachmentTable {
  table: PgTable & { id: AnyPgColumn; mime_type: AnyPgColumn; created_at: AnyPgColumn };
  parentColumn: AnyPgColumn;
  /** Projects record who uploaded (the caller's Contact Zero); interactions don't. */
  recordsUploader: boolean;
}

export function attachments({ table, parentColumn, recordsUploader }: AttachmentTable): NestedCollection {
  return childRows({
    field: 'attachments',
    table,
    parentColumn,
    itemShape: {
      file_name: z.string().min(1).max(255),
      mime_type: z.string().max(100).regex(MIME_TYPE, 'must be a MIME type such as image/png'),
      data_url: z.string().max(DATA_URL_MAX_CHARS).optional().meta({
        description:
          'data: URL, at most 10 MB decoded. Lists leave it out unless ?include=attachments; an item naming a stored id may omit it to keep the stored file.',
      }),
    },
    readOnlyFields: recordsUploader ? ['created_at', 'uploaded_by'] : ['created_at'],
    bodyFields: ['data_url'],
    orderBy: [table.created_at],
    maxItems: MAX_ATTACHMENTS,
    description: 'Attachments, inline.',
    keepWhenOmitted: ['data_url'],
    precheckItem(item, path) {
      if (typeof item.data_url === 'string')
        checkAttachmentDataUrl(`${path}.data_url`, item.data_url, String(item.mime_type));
    },
    serverValues: recordsUploader ? ({ auth }) => ({ uploaded_by: auth.contactZeroId }) : undefined,
    async validateItems({ tx }, items) {
      // A kept file keeps its bytes, so it must keep the MIME type its data URL declares.
      const kept = items
        .map((item, index) => ({ item, index }))
        .filter(({ item }) => item.data_url === undefined && item.id);
      if (kept.length === 0) return;
      const stored = await tx
        .select({ id: table.id, mime_type: table.mime_type })
        .from(table)
        .where(
          inArray(
            table.id,
            kept.map(({ item }) => item.id as string),
          ),
        );
      const storedMime = new Map(stored.map((row) => [String(row.id), String(row.mime_type)]));
      const problems: FieldProblem[] = kept
        .filter(({ item }) => storedMime.has(item.id as string) && storedMime.get(item.id as string) !== item.mime_type)
        .map(({ index }) => ({
          field: `attachments.${index}.mime_type`,
          message: 'cannot change without a new data_url',
        }));
      if (problems.length > 0) throw validationError(problems);
    },
  });
}
