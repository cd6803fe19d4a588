import { z } from 'zod';
import { contacts, interactionAttachments, interactions } from '../../../db/schema/index.ts';
import type { ResourceDefinition } from '../definition.ts';
import { INTERACTION_TYPES } from '../enums.ts';
import { enumEquals, idEquals, onOrAfter, onOrBefore, substringSearch } from '../filters.ts';
import { attachments } from '../nested/attachments.ts';

export const interactionsResource: ResourceDefinition = {
  path: 'interactions',
  entityType: 'interaction',
  name: 'Interaction',
  table: interactions,
  // docs/search.md: the vector is internal; GET /search is its door.
  hidden: ['search_vector'],
  writable: ['contact_id', 'type', 'summary', 'occurred_at', 'is_archived'],
  fieldSchemas: {
    type: z.enum(INTERACTION_TYPES),
    // Its length limit is the column's (src/db/schema/text-limits.ts), added by the resource layer.
    summary: z.string().min(1),
  },
  ownedReferences: { contact_id: contacts },
  nested: [
    attachments({
      table: interactionAttachments,
      parentColumn: interactionAttachments.interaction_id,
      recordsUploader: false,
    }),
  ],
  filters: {
    contact_id: idEquals(interactions.contact_id, 'Interactions with this contact.'),
    type: enumEquals(interactions.type, INTERACTION_TYPES, 'Interactions of this type.'),
    occurred_after: onOrAfter(interactions.occurred_at, 'Interactions at or after this instant.'),
    occurred_before: onOrBefore(interactions.occurred_at, 'Interactions at or before this instant.'),
  },
  sortable: ['updated_at', 'created_at', 'occurred_at', 'type'],
  search: substringSearch([interactions.summary], 'Case-insensitive substring of the summary.'),
  batchCreates: true,
  hooks: {
    beforeWrite({ auth, mode, values }) {
      if (mode === 'create') values.author_contact_id = auth.contactZeroId;
    },
  },
};
