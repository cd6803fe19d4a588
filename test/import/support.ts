// Shared by the import tests: the sample file, per-user counts, and a full dump of the database
// (every table, with each row's xmin) to prove that something wrote nothing.
import { readFileSync } from 'node:fs';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import type { BlobService } from '../../src/domain/blobs/blob-service.ts';
import { exportFrameLordJson } from '../../src/domain/import/export-service.ts';
import { queryRows } from '../../src/db/rows.ts';
import { importIdMap } from '../../src/db/schema/index.ts';

export const SAMPLE_PATH = new URL('../fixtures/framelord-export/sample-export.json', import.meta.url);

/** A fresh parsed copy each time, so a test may mutate it. */
export function loadSample(): any {
  return JSON.parse(readFileSync(SAMPLE_PATH, 'utf8'));
}

/** Row counts of one user's data, per table of docs/formats/framelord-export.md §7. */
export async function countUserRows(db: Db, userId: string): Promise<Record<string, number>> {
  const [row] = await queryRows<Record<string, string | number>>(
    db,
    sql`select
      (select count(*) from contacts where user_id = ${userId}) as contacts,
      (select count(*) from folders where user_id = ${userId}) as folders,
      (select count(*) from notes where user_id = ${userId}) as notes,
      (select count(*) from blobs where user_id = ${userId}) as blobs,
      (select count(*) from note_target_contacts j join notes n on n.id = j.note_id where n.user_id = ${userId}) as note_target_contacts,
      (select count(*) from note_links j join notes n on n.id = j.source_note_id where n.user_id = ${userId}) as note_links,
      (select count(*) from topics where user_id = ${userId}) as topics,
      (select count(*) from note_topics j join notes n on n.id = j.note_id where n.user_id = ${userId}) as note_topics,
      (select count(*) from tasks where user_id = ${userId}) as tasks,
      (select count(*) from interactions where user_id = ${userId}) as interactions,
      (select count(*) from interaction_attachments j join interactions p on p.id = j.interaction_id where p.user_id = ${userId}) as interaction_attachments,
      (select count(*) from groups where user_id = ${userId}) as groups,
      (select count(*) from group_memberships j join groups p on p.id = j.group_id where p.user_id = ${userId}) as group_memberships,
      (select count(*) from projects where user_id = ${userId}) as projects,
      (select count(*) from project_related_contacts j join projects p on p.id = j.project_id where p.user_id = ${userId}) as project_related_contacts,
      (select count(*) from project_sections j join projects p on p.id = j.project_id where p.user_id = ${userId}) as project_sections,
      (select count(*) from project_task_links j join projects p on p.id = j.project_id where p.user_id = ${userId}) as project_task_links,
      (select count(*) from project_attachments j join projects p on p.id = j.project_id where p.user_id = ${userId}) as project_attachments,
      (select count(*) from pipeline_templates where user_id = ${userId}) as pipeline_templates,
      (select count(*) from pipeline_stage_templates j join pipeline_templates p on p.id = j.template_id where p.user_id = ${userId}) as pipeline_stage_templates,
      (select count(*) from pipeline_items where user_id = ${userId}) as pipeline_items`,
  );
  return Object.fromEntries(Object.entries(row ?? {}).map(([key, value]) => [key, Number(value)]));
}

const toJson = (value: unknown): unknown => {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('base64')}`;
  if (value instanceof Date) return value.toISOString();
  return value;
};

/**
 * Every row of every table, with its xmin (the transaction that last wrote it): equal dumps mean
 * nothing was inserted, updated or deleted in between, whatever the columns say.
 */
export async function dumpDatabase(db: Db): Promise<Record<string, string[]>> {
  const tables = await queryRows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  const dump: Record<string, string[]> = {};
  for (const { table_name: table } of tables) {
    const rows = await queryRows<Record<string, unknown>>(
      db,
      sql`select xmin::text as "__xmin", * from ${sql.identifier(table)}`,
    );
    dump[table] = rows
      .map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).map(([key, value]) => [key, toJson(value)]))))
      .sort();
  }
  return dump;
}

/** The row id an app record of `store` was imported as. */
export async function importedId(db: Db, userId: string, store: string, sourceId: string): Promise<string> {
  const [row] = await db
    .select({ id: importIdMap.target_id })
    .from(importIdMap)
    .where(and(eq(importIdMap.user_id, userId), eq(importIdMap.store, store), eq(importIdMap.source_id, sourceId)));
  if (!row) throw new Error(`${store} ${sourceId} was not imported`);
  return row.id;
}

/** Source id → row id of every record of a store. */
export async function importedIds(db: Db, userId: string, store: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ source: importIdMap.source_id, id: importIdMap.target_id })
    .from(importIdMap)
    .where(and(eq(importIdMap.user_id, userId), eq(importIdMap.store, store)));
  return new Map(rows.map((row) => [row.source, row.id]));
}

/** The export file of a user, collected from the stream and parsed (small test accounts only). */
export async function exportFile(db: Db, blobs: BlobService, userId: string, now?: Date): Promise<any> {
  let text = '';
  for await (const piece of exportFrameLordJson(db, blobs, userId, now)) text += piece;
  return JSON.parse(text);
}
