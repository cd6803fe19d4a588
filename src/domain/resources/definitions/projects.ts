import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import {
  contacts,
  projectAttachments,
  projectRelatedContacts,
  projects,
  projectSections,
  projectTaskLinks,
  tasks,
} from '../../../db/schema/index.ts';
import { validationError } from '../../errors.ts';
import type { ResourceDefinition } from '../definition.ts';
import { PROJECT_PRIORITIES, PROJECT_STATUSES } from '../enums.ts';
import { enumEquals, idEquals, linkedThrough, onOrAfter, onOrBefore, substringSearch } from '../filters.ts';
import { attachments } from '../nested/attachments.ts';
import { childRows } from '../nested/child-rows.ts';
import { idSet } from '../nested/id-set.ts';
import { uuidSchema } from '../../uuid.ts';

const sortOrder = () => z.int().min(-2_147_483_648).max(2_147_483_647);

export const projectSectionsCollection = childRows({
  field: 'sections',
  table: projectSections,
  parentColumn: projectSections.project_id,
  itemShape: { name: z.string().min(1).max(255), sort_order: sortOrder().optional() },
  readOnlyFields: ['created_at'],
  orderBy: [projectSections.sort_order, projectSections.created_at],
  maxItems: 200,
  description: 'Sections (columns) of the project. Removing one removes its task links.',
});

/** Written after `sections`, so a body may add a section and link tasks into it at once. */
export const projectTaskLinksCollection = childRows({
  field: 'task_links',
  table: projectTaskLinks,
  parentColumn: projectTaskLinks.project_id,
  itemShape: { section_id: uuidSchema(), task_id: uuidSchema(), sort_order: sortOrder().optional() },
  readOnlyFields: ['created_at'],
  orderBy: [projectTaskLinks.sort_order, projectTaskLinks.created_at],
  maxItems: 2000,
  description: 'Your tasks placed in sections of this project.',
  ownedReferences: (items) => [
    { field: 'task_links.task_id', table: tasks, ids: items.map((item) => String(item.task_id)) },
  ],
  async validateItems({ tx, parentId }, items) {
    const keys = items.map((item) => `${String(item.section_id)}:${String(item.task_id)}`);
    if (new Set(keys).size !== keys.length)
      throw validationError([{ field: 'task_links', message: 'lists a task twice in one section' }]);
    const sectionIds = [...new Set(items.map((item) => String(item.section_id)))];
    if (sectionIds.length === 0) return;
    const found = await tx
      .select({ id: projectSections.id })
      .from(projectSections)
      .where(and(eq(projectSections.project_id, parentId), inArray(projectSections.id, sectionIds)));
    if (found.length !== sectionIds.length)
      throw validationError([{ field: 'task_links.section_id', message: 'must name a section of this project' }]);
  },
});

export const projectsResource: ResourceDefinition = {
  path: 'projects',
  entityType: 'project',
  name: 'Project',
  table: projects,
  // docs/search.md: the vector is internal; GET /search is its door.
  hidden: ['search_vector'],
  writable: [
    'name',
    'description',
    'banner_url',
    'primary_contact_id',
    'status',
    'priority',
    'start_date',
    'due_date',
    'is_group_project',
    'is_archived',
  ],
  fieldSchemas: {
    name: z.string().min(1).max(255),
    status: z.enum(PROJECT_STATUSES),
    priority: z.enum(PROJECT_PRIORITIES),
  },
  dataUrlFields: ['banner_url'],
  ownedReferences: { primary_contact_id: contacts },
  nested: [
    idSet({
      field: 'related_contact_ids',
      junction: projectRelatedContacts,
      parentColumn: projectRelatedContacts.project_id,
      memberColumn: projectRelatedContacts.contact_id,
      memberTable: contacts,
      description: 'Other contacts involved (your contacts).',
    }),
    projectSectionsCollection,
    projectTaskLinksCollection,
    attachments({ table: projectAttachments, parentColumn: projectAttachments.project_id, recordsUploader: true }),
  ],
  filters: {
    status: enumEquals(projects.status, PROJECT_STATUSES, 'Projects with this status.'),
    priority: enumEquals(projects.priority, PROJECT_PRIORITIES, 'Projects with this priority.'),
    primary_contact_id: idEquals(projects.primary_contact_id, 'Projects whose primary contact this is.'),
    contact_id: linkedThrough(
      projectRelatedContacts,
      projectRelatedContacts.project_id,
      projects.id,
      projectRelatedContacts.contact_id,
      'Projects this contact is related to.',
    ),
    due_after: onOrAfter(projects.due_date, 'Projects due on or after this date.'),
    due_before: onOrBefore(projects.due_date, 'Projects due on or before this date.'),
  },
  sortable: ['updated_at', 'created_at', 'name', 'due_date', 'start_date', 'status', 'priority'],
  search: substringSearch([projects.name, projects.description], 'Case-insensitive substring of name or description.'),
};
