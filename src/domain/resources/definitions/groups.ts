import { z } from 'zod';
import { contacts, groupMemberships, groups } from '../../../db/schema/index.ts';
import type { ResourceDefinition } from '../definition.ts';
import { linkedThrough, substringSearch } from '../filters.ts';
import { idSet } from '../nested/id-set.ts';

export const groupsResource: ResourceDefinition = {
  path: 'groups',
  entityType: 'group',
  name: 'Group',
  table: groups,
  writable: ['name', 'description', 'banner_url', 'is_archived'],
  fieldSchemas: { name: z.string().min(1).max(255) },
  dataUrlFields: ['banner_url'],
  nested: [
    idSet({
      field: 'member_contact_ids',
      junction: groupMemberships,
      parentColumn: groupMemberships.group_id,
      memberColumn: groupMemberships.contact_id,
      memberTable: contacts,
      description: 'Contacts in the group (your contacts).',
    }),
  ],
  filters: {
    contact_id: linkedThrough(
      groupMemberships,
      groupMemberships.group_id,
      groups.id,
      groupMemberships.contact_id,
      'Groups this contact belongs to.',
    ),
  },
  sortable: ['updated_at', 'created_at', 'name'],
  search: substringSearch([groups.name, groups.description], 'Case-insensitive substring of name or description.'),
};
