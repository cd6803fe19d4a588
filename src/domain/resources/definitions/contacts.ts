import { z } from 'zod';
import { contacts } from '../../../db/schema/index.ts';
import { mirrorContactZero } from '../../auth/accounts.ts';
import { normalizeEmail } from '../../auth/email.ts';
import { forbidden } from '../../errors.ts';
import type { ResourceDefinition } from '../definition.ts';
import { CONTACT_STATUSES, FRAME_TRENDS, RELATIONSHIP_DOMAINS } from '../enums.ts';
import { booleanEquals, enumEquals, equals, hasTags, substringSearch } from '../filters.ts';

export const contactsResource: ResourceDefinition = {
  path: 'contacts',
  entityType: 'contact',
  name: 'Contact',
  table: contacts,
  // docs/search.md: the vector is internal; GET /search is its door.
  hidden: ['search_vector'],
  writable: [
    'full_name',
    'email',
    'phone',
    'avatar_url',
    'relationship_domain',
    'relationship_role',
    'status',
    'frame_score',
    'frame_trend',
    'frame_last_scan_at',
    'last_contact_at',
    'next_action_at',
    'tags',
    'company',
    'title',
    'location',
    'linkedin_url',
    'x_handle',
    'is_archived',
  ],
  fieldSchemas: {
    full_name: z.string().min(1).max(255),
    relationship_domain: z.enum(RELATIONSHIP_DOMAINS),
    relationship_role: z.string().min(1).max(100),
    status: z.enum(CONTACT_STATUSES),
    frame_score: z.int().min(0).max(100),
    frame_trend: z.enum(FRAME_TRENDS),
  },
  dataUrlFields: ['avatar_url'],
  filters: {
    status: enumEquals(contacts.status, CONTACT_STATUSES, 'Contacts with this status.'),
    domain: enumEquals(contacts.relationship_domain, RELATIONSHIP_DOMAINS, 'Contacts in this relationship domain.'),
    relationship_role: equals(contacts.relationship_role, z.string().max(100), 'Contacts with this role.'),
    tags: hasTags(contacts.tags),
    is_contact_zero: booleanEquals(contacts.is_contact_zero, 'Only (or all but) Contact Zero.'),
  },
  sortable: ['updated_at', 'created_at', 'full_name', 'company', 'last_contact_at', 'next_action_at', 'frame_score'],
  search: substringSearch(
    [contacts.full_name, contacts.email, contacts.company],
    'Case-insensitive substring of full_name, email or company.',
  ),
  batchCreates: true,
  hooks: {
    beforeWrite({ existing, values }) {
      // The user's own contact is the spine of everything else (docs/api.md).
      if (existing?.is_contact_zero === true && values.is_archived === true)
        throw forbidden('Contact Zero cannot be archived');
      // Its email is the account's sign-in address: that changes only once the new one is
      // verified (POST /auth/email, docs/accounts.md). Sending the current one back is fine.
      if (
        existing?.is_contact_zero === true &&
        values.email !== undefined &&
        (typeof values.email !== 'string' || normalizeEmail(values.email) !== existing.email)
      ) {
        throw forbidden("Contact Zero's email is the account's email: change it with POST /api/v1/auth/email");
      }
    },
    async afterWrite({ tx, auth, row }) {
      if (row.is_contact_zero === true) await mirrorContactZero(tx, auth.userId, row);
    },
  },
};
