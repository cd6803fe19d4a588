import { z } from 'zod';
import { contacts, tasks } from '../../../db/schema/index.ts';
import type { ResourceDefinition } from '../definition.ts';
import { TASK_STATUSES } from '../enums.ts';
import { enumEquals, idEquals, onOrAfter, onOrBefore, substringSearch } from '../filters.ts';

export const tasksResource: ResourceDefinition = {
  path: 'tasks',
  entityType: 'task',
  name: 'Task',
  table: tasks,
  // docs/search.md: the vector is internal; GET /search is its door.
  hidden: ['search_vector'],
  writable: ['contact_id', 'title', 'description', 'status', 'due_at', 'is_archived'],
  fieldSchemas: {
    title: z.string().min(1).max(500),
    status: z.enum(TASK_STATUSES),
  },
  ownedReferences: { contact_id: contacts },
  filters: {
    status: enumEquals(tasks.status, TASK_STATUSES, 'Tasks with this status.'),
    contact_id: idEquals(tasks.contact_id, 'Tasks of this contact.'),
    due_after: onOrAfter(tasks.due_at, 'Tasks due at or after this instant.'),
    due_before: onOrBefore(tasks.due_at, 'Tasks due at or before this instant.'),
  },
  sortable: ['updated_at', 'created_at', 'due_at', 'title', 'status'],
  search: substringSearch([tasks.title, tasks.description], 'Case-insensitive substring of title or description.'),
  batchCreates: true,
  hooks: {
    beforeWrite({ auth, mode, values }) {
      if (mode === 'create') values.created_by = auth.contactZeroId;
    },
  },
};
