import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import { pipelineItems, pipelineStageTemplates, pipelineTemplates } from '../../../db/schema/index.ts';
import { validationError } from '../../errors.ts';
import type { ResourceDefinition } from '../definition.ts';
import { PIPELINE_DOMAINS } from '../enums.ts';
import { booleanEquals, enumEquals, substringSearch } from '../filters.ts';
import { childRows } from '../nested/child-rows.ts';

export const pipelineStagesCollection = childRows({
  field: 'stages',
  table: pipelineStageTemplates,
  parentColumn: pipelineStageTemplates.template_id,
  itemShape: {
    name: z.string().min(1).max(255),
    sort_order: z.int().min(-2_147_483_648).max(2_147_483_647),
    color: z.string().max(50).nullable().optional(),
    auto_task_title: z.string().min(1).max(500).nullable().optional(),
    auto_task_due_in_days: z.int().min(0).max(36_500).nullable().optional(),
  },
  readOnlyFields: ['created_at'],
  orderBy: [pipelineStageTemplates.sort_order, pipelineStageTemplates.created_at],
  maxItems: 100,
  description:
    'Stages in order. Entering a stage with auto_task_title creates that task, due auto_task_due_in_days later.',
  async beforeRemove({ tx }, removedIds) {
    // Items reference their stage without cascade: removing a stage in use would orphan them.
    const inUse = await tx
      .select({ stage: pipelineItems.current_stage_id })
      .from(pipelineItems)
      .where(inArray(pipelineItems.current_stage_id, removedIds))
      .limit(1);
    if (inUse.length > 0)
      throw validationError([
        { field: 'stages', message: 'cannot remove a stage that pipeline items are in; move them first' },
      ]);
  },
});

export const pipelineTemplatesResource: ResourceDefinition = {
  path: 'pipelines/templates',
  entityType: 'pipeline_template',
  name: 'PipelineTemplate',
  table: pipelineTemplates,
  writable: ['name', 'description', 'domain', 'is_default', 'is_archived'],
  fieldSchemas: { name: z.string().min(1).max(255), domain: z.enum(PIPELINE_DOMAINS) },
  nested: [pipelineStagesCollection],
  filters: {
    domain: enumEquals(pipelineTemplates.domain, PIPELINE_DOMAINS, 'Templates of this domain.'),
    is_default: booleanEquals(pipelineTemplates.is_default, 'Default templates (or the others).'),
  },
  sortable: ['updated_at', 'created_at', 'name'],
  search: substringSearch(
    [pipelineTemplates.name, pipelineTemplates.description],
    'Case-insensitive substring of name or description.',
  ),
};
