// Inline attachments `[{file_name, mime_type, data_url}]` of interactions and projects.
import { inArray, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { DATA_URL_MAX_CHARS } from '../../../db/schema/text-limits.ts';
import { DomainError, validationError, type FieldProblem } from '../../errors.ts';
import { checkAttachmentDataUrl } from '../data-url.ts';
import type { NestedCollection } from '../definition.ts';
import { childRows } from './child-rows.ts';

export const MAX_ATTACHMENTS = 50;
/**
 * The data URLs of one entity's attachments, together, in characters: what a single answer
 * carrying the entity (GET /:id, a write's answer, a sync pull change, a list page with
 * ?include=attachments) holds of them at most. Each file is at most 10 MB (a 14 MB data URL), but
 * 50 of them, added a few writes at a time, would make one entity a 700 MB answer.
 */
export const MAX_ATTACHMENT_CHARS = 32 * 1024 * 1024;

const MIME_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

export interface AttachmentTable {
  table: PgTable & { id: AnyPgColumn; mime_type: AnyPgColumn; data_url: AnyPgColumn; created_at: AnyPgColumn };
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
      const stored =
        kept.length === 0
          ? []
          : await tx
              .select({
                id: table.id,
                mime_type: table.mime_type,
                chars: sql<number>`length(${table.data_url})`.mapWith(Number),
              })
              .from(table)
              .where(
                inArray(
                  table.id,
                  kept.map(({ item }) => item.id as string),
                ),
              );
      const sent = items.reduce((sum, item) => sum + (typeof item.data_url === 'string' ? item.data_url.length : 0), 0);
      const total = sent + stored.reduce((sum, row) => sum + row.chars, 0);
      if (total > MAX_ATTACHMENT_CHARS)
        throw new DomainError(
          'PAYLOAD_TOO_LARGE',
          `The attachments of one entity hold at most ${MAX_ATTACHMENT_CHARS / (1024 * 1024)} MiB of data URLs together`,
          [{ field: 'attachments', message: `hold ${total} characters of data URLs; at most ${MAX_ATTACHMENT_CHARS}` }],
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
