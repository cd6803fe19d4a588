import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { contacts, pipelineItems, pipelineStageTemplates, pipelineTemplates, tasks } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/client.ts';
import { fieldError } from '../../errors.ts';
import { OwnedThroughParent } from '../../ownership.ts';
import type { AfterWriteContext, ChangeRef, ResourceDefinition, WriteContext } from '../definition.ts';
import { PIPELINE_ITEM_STATUSES } from '../enums.ts';
import { enumEquals, idEquals, substringSearch } from '../filters.ts';

const DAY_MS = 86_400_000;
const CLOSED = new Set(['won', 'lost']);

async function stageOf(tx: Tx, templateId: string, stageId: string) {
  const [stage] = await tx
    .select({
      auto_task_title: pipelineStageTemplates.auto_task_title,
      auto_task_due_in_days: pipelineStageTemplates.auto_task_due_in_days,
    })
    .from(pipelineStageTemplates)
    .where(and(eq(pipelineStageTemplates.id, stageId), eq(pipelineStageTemplates.template_id, templateId)));
  return stage;
}

async function checkStageAndClosing({ tx, existing, values, updatedAt }: WriteContext): Promise<void> {
  const templateId = (values.template_id ?? existing?.template_id) as string;
  const stageId = (values.current_stage_id ?? existing?.current_stage_id) as string;
  const moved = !existing || templateId !== existing.template_id || stageId !== existing.current_stage_id;
  if (moved && !(await stageOf(tx, templateId, stageId)))
    throw fieldError('current_stage_id', 'is not a stage of this pipeline template');

  // won/lost close the item (once: a repeated "won" keeps the first closing time); open reopens it.
  const status = (values.status ?? existing?.status ?? 'open') as string;
  if (CLOSED.has(status) && (existing?.status !== status || existing?.closed_at === null)) values.closed_at = updatedAt;
  if (status === 'open') values.closed_at = null;
}

/** Entering a stage that names an auto task creates it for the item's contact (docs/api.md). */
async function createStageTask({
  tx,
  auth,
  mode,
  existing,
  row,
  updatedAt,
  copying,
}: AfterWriteContext): Promise<ChangeRef[]> {
  // A copied item (an import) comes with the tasks its stages created where it was made.
  if (copying) return [];
  if (mode !== 'create' && existing?.current_stage_id === row.current_stage_id) return [];
  const stage = await stageOf(tx, String(row.template_id), String(row.current_stage_id));
  if (!stage?.auto_task_title) return [];
  const id = randomUUID();
  const days = stage.auto_task_due_in_days;
  await tx.insert(tasks).values({
    id,
    user_id: auth.userId,
    contact_id: String(row.contact_id),
    title: stage.auto_task_title,
    due_at: days === null ? null : new Date(updatedAt.getTime() + days * DAY_MS),
    created_by: auth.contactZeroId,
    sync_version: 1,
    created_at: updatedAt,
    updated_at: updatedAt,
  });
  return [{ entityType: 'task', entityId: id }];
}

export const pipelineItemsResource: ResourceDefinition = {
  path: 'pipelines/items',
  entityType: 'pipeline_item',
  name: 'PipelineItem',
  table: pipelineItems,
  writable: ['template_id', 'current_stage_id', 'contact_id', 'label', 'value', 'status', 'is_archived'],
  fieldSchemas: {
    status: z.enum(PIPELINE_ITEM_STATUSES),
    value: z.number().min(-9_999_999_999.99).max(9_999_999_999.99),
  },
  ownedReferences: {
    template_id: pipelineTemplates,
    current_stage_id: new OwnedThroughParent(
      pipelineStageTemplates,
      pipelineStageTemplates.template_id,
      pipelineTemplates,
    ),
    contact_id: contacts,
  },
  filters: {
    template_id: idEquals(pipelineItems.template_id, 'Items of this pipeline template.'),
    current_stage_id: idEquals(pipelineItems.current_stage_id, 'Items in this stage.'),
    contact_id: idEquals(pipelineItems.contact_id, 'Items of this contact.'),
    status: enumEquals(pipelineItems.status, PIPELINE_ITEM_STATUSES, 'Items with this status.'),
  },
  sortable: ['updated_at', 'created_at', 'value', 'label', 'closed_at'],
  search: substringSearch([pipelineItems.label], 'Case-insensitive substring of the label.'),
  hooks: { beforeWrite: checkStageAndClosing, afterWrite: createStageTask },
};
