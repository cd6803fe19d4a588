// One row per writable resource: what a valid body looks like and how each of its filters, foreign
// keys and defaults can be exercised. The generic tests (crud, tenancy, validation) run over this
// table, so a resource added to the API is added here once and gets every test.
import type { World } from './world.ts';

type Body = Record<string, unknown>;

export interface FilterCase {
  /** The query string (without `?`). */
  query: (w: World) => string;
  /** Overrides of `create` that make an entity match; the plain `create` body must not match. */
  matching?: (w: World) => Body;
  /** Instead of matching/non-matching: a check of the whole answer. */
  check?: (w: World, data: Body[]) => void;
}

export interface ResourceCase {
  path: string;
  entityType: string;
  create: (w: World) => Body;
  /** A PATCH and the value it stores. */
  patch: (w: World) => Body;
  /** A field the create body sets to a non-default value, and its default after a PUT without it. */
  resettable: { field: string; value: (w: World) => unknown; reset: unknown };
  filters: Record<string, FilterCase>;
  /** Server-owned fields of this resource besides the common ones, with a value to try. */
  serverOwned: (w: World, other: World) => Body;
  /** Foreign keys of bodies: field → a value naming the other user's row. */
  foreignKeys: Record<string, (other: World) => unknown>;
}

export const RESOURCE_CASES: ResourceCase[] = [
  {
    path: 'contacts',
    entityType: 'contact',
    create: () => ({
      full_name: 'Ada Lovelace',
      relationship_domain: 'business',
      relationship_role: 'client',
      email: 'ada@example.com',
      frame_score: 40,
    }),
    patch: () => ({ company: 'Analytical Engines' }),
    resettable: { field: 'company', value: () => 'Babbage & Co', reset: null },
    filters: {
      status: { query: () => 'status=dormant', matching: () => ({ status: 'dormant' }) },
      domain: { query: () => 'domain=hybrid', matching: () => ({ relationship_domain: 'hybrid' }) },
      relationship_role: { query: () => 'relationship_role=mentor', matching: () => ({ relationship_role: 'mentor' }) },
      tags: { query: () => 'tags=alpha,beta', matching: () => ({ tags: ['alpha', 'beta', 'gamma'] }) },
      search: { query: () => 'search=zyxwv', matching: () => ({ company: 'The ZYXWV company' }) },
      is_contact_zero: {
        query: () => 'is_contact_zero=true',
        check: (w, data) => {
          if (data.length !== 1 || data[0]?.id !== w.contactZeroId)
            throw new Error(`expected only Contact Zero, got ${JSON.stringify(data.map((row) => row.id))}`);
        },
      },
    },
    serverOwned: (_w, other) => ({ is_contact_zero: true, user_id: other.userId }),
    foreignKeys: {},
  },
  {
    path: 'notes',
    entityType: 'note',
    create: () => ({ title: 'Plain note', tags: ['misc'] }),
    patch: () => ({ title: 'Renamed note', icon: '📝' }),
    resettable: { field: 'is_pinned', value: () => true, reset: false },
    filters: {
      kind: { query: () => 'kind=log', matching: () => ({ kind: 'log', date_key: '2026-01-05' }) },
      folder_id: { query: (w) => `folder_id=${w.folderId}`, matching: (w) => ({ folder_id: w.folderId }) },
      is_inbox: { query: () => 'is_inbox=true', matching: () => ({ is_inbox: true }) },
      is_pinned: { query: () => 'is_pinned=true', matching: () => ({ is_pinned: true }) },
      is_pinned_home: { query: () => 'is_pinned_home=true', matching: () => ({ is_pinned_home: true }) },
      date_key: { query: () => 'date_key=2026-02-03', matching: () => ({ kind: 'log', date_key: '2026-02-03' }) },
      tags: { query: () => 'tags=work', matching: () => ({ tags: ['work', 'misc'] }) },
      contact_id: {
        query: (w) => `contact_id=${w.contactId}`,
        matching: (w) => ({ target_contact_ids: [w.contactId] }),
      },
      search: { query: () => 'search=quarterly%20budget', matching: () => ({ title: 'Quarterly budget review' }) },
    },
    serverOwned: (w, other) => ({
      author_contact_id: w.contactId,
      user_id: other.userId,
      blocksuite_snapshot: { title: 'x', text: 'x', blocks: [] },
    }),
    foreignKeys: { folder_id: (other) => other.folderId, target_contact_ids: (other) => [other.contactId] },
  },
  {
    path: 'tasks',
    entityType: 'task',
    create: (w) => ({ contact_id: w.contactId, title: 'Call back' }),
    patch: () => ({ status: 'done' }),
    resettable: { field: 'description', value: () => 'Bring the slides', reset: null },
    filters: {
      status: { query: () => 'status=blocked', matching: () => ({ status: 'blocked' }) },
      contact_id: { query: (w) => `contact_id=${w.contact2Id}`, matching: (w) => ({ contact_id: w.contact2Id }) },
      due_after: { query: () => 'due_after=2030-01-01', matching: () => ({ due_at: '2030-06-01T09:00:00.000Z' }) },
      due_before: {
        query: () => 'due_before=2001-01-01T00:00:00Z',
        matching: () => ({ due_at: '2000-06-01T09:00:00.000Z' }),
      },
      search: { query: () => 'search=xylophone', matching: () => ({ title: 'Buy a xylophone' }) },
    },
    serverOwned: (w, other) => ({ created_by: w.contactId, user_id: other.userId }),
    foreignKeys: { contact_id: (other) => other.contactId },
  },
  {
    path: 'interactions',
    entityType: 'interaction',
    create: (w) => ({
      contact_id: w.contactId,
      type: 'call',
      summary: 'Talked about the roadmap',
      occurred_at: '2025-05-01T10:00:00.000Z',
    }),
    patch: () => ({ summary: 'Talked about the budget' }),
    resettable: {
      field: 'attachments',
      value: () => [{ file_name: 'a.txt', mime_type: 'text/plain', data_url: 'data:text/plain;base64,aGVsbG8=' }],
      reset: [],
    },
    filters: {
      contact_id: { query: (w) => `contact_id=${w.contact2Id}`, matching: (w) => ({ contact_id: w.contact2Id }) },
      type: { query: () => 'type=email', matching: () => ({ type: 'email' }) },
      occurred_after: {
        query: () => 'occurred_after=2030-01-01',
        matching: () => ({ occurred_at: '2030-02-01T00:00:00.000Z' }),
      },
      occurred_before: {
        query: () => 'occurred_before=2001-01-01',
        matching: () => ({ occurred_at: '2000-02-01T00:00:00.000Z' }),
      },
      search: { query: () => 'search=marmalade', matching: () => ({ summary: 'Discussed marmalade' }) },
    },
    serverOwned: (w, other) => ({ author_contact_id: w.contactId, user_id: other.userId }),
    foreignKeys: { contact_id: (other) => other.contactId },
  },
  {
    path: 'folders',
    entityType: 'folder',
    create: () => ({ name: 'Reading' }),
    patch: () => ({ name: 'Reading list', color: '#ff0000' }),
    resettable: { field: 'icon', value: () => '📚', reset: null },
    filters: {
      parent_id: { query: (w) => `parent_id=${w.folderId}`, matching: (w) => ({ parent_id: w.folderId }) },
      is_default: {
        query: () => 'is_default=true',
        check: (w, data) => {
          const ids = data.map((row) => row.id).sort();
          if (JSON.stringify(ids) !== JSON.stringify([...w.defaultFolderIds].sort()))
            throw new Error('expected exactly the default folders');
        },
      },
      search: { query: () => 'search=quokka', matching: () => ({ name: 'Quokka facts' }) },
    },
    serverOwned: (_w, other) => ({ is_default: true, user_id: other.userId }),
    foreignKeys: { parent_id: (other) => other.folderId },
  },
  {
    path: 'groups',
    entityType: 'group',
    create: () => ({ name: 'Book club' }),
    patch: () => ({ description: 'Monthly' }),
    resettable: { field: 'member_contact_ids', value: (w) => [w.contactId], reset: [] },
    filters: {
      contact_id: {
        query: (w) => `contact_id=${w.contactId}`,
        matching: (w) => ({ member_contact_ids: [w.contactId] }),
      },
      search: { query: () => 'search=wombat', matching: () => ({ name: 'Wombat fans' }) },
    },
    serverOwned: (_w, other) => ({ user_id: other.userId }),
    foreignKeys: { member_contact_ids: (other) => [other.contactId] },
  },
  {
    path: 'projects',
    entityType: 'project',
    create: (w) => ({ name: 'Gemini', primary_contact_id: w.contactId }),
    patch: () => ({ status: 'on_hold' }),
    resettable: { field: 'priority', value: () => 'critical', reset: 'medium' },
    filters: {
      status: { query: () => 'status=completed', matching: () => ({ status: 'completed' }) },
      priority: { query: () => 'priority=low', matching: () => ({ priority: 'low' }) },
      primary_contact_id: {
        query: (w) => `primary_contact_id=${w.contact2Id}`,
        matching: (w) => ({ primary_contact_id: w.contact2Id }),
      },
      contact_id: {
        query: (w) => `contact_id=${w.contact2Id}`,
        matching: (w) => ({ related_contact_ids: [w.contact2Id] }),
      },
      due_after: { query: () => 'due_after=2030-01-01', matching: () => ({ due_date: '2030-03-01' }) },
      due_before: { query: () => 'due_before=2001-01-01', matching: () => ({ due_date: '2000-03-01' }) },
      search: { query: () => 'search=pelican', matching: () => ({ name: 'Project Pelican' }) },
    },
    serverOwned: (_w, other) => ({ user_id: other.userId }),
    foreignKeys: { primary_contact_id: (other) => other.contactId, related_contact_ids: (other) => [other.contactId] },
  },
  {
    path: 'pipelines/templates',
    entityType: 'pipeline_template',
    create: () => ({ name: 'Onboarding', domain: 'business', stages: [{ name: 'Start', sort_order: 0 }] }),
    patch: () => ({ description: 'New hires' }),
    resettable: { field: 'description', value: () => 'Default flow', reset: null },
    filters: {
      domain: { query: () => 'domain=hybrid', matching: () => ({ domain: 'hybrid' }) },
      is_default: { query: () => 'is_default=true', matching: () => ({ is_default: true }) },
      search: { query: () => 'search=narwhal', matching: () => ({ name: 'Narwhal pipeline' }) },
    },
    serverOwned: (_w, other) => ({ user_id: other.userId }),
    foreignKeys: {},
  },
  {
    path: 'pipelines/items',
    entityType: 'pipeline_item',
    create: (w) => ({ template_id: w.templateId, current_stage_id: w.stageId, contact_id: w.contactId, label: 'Deal' }),
    patch: () => ({ value: 1250.5 }),
    resettable: { field: 'value', value: () => 99.5, reset: null },
    filters: {
      template_id: {
        query: (w) => `template_id=${w.template2Id}`,
        matching: (w) => ({ template_id: w.template2Id, current_stage_id: w.template2StageId }),
      },
      current_stage_id: {
        query: (w) => `current_stage_id=${w.stage2Id}`,
        matching: (w) => ({ current_stage_id: w.stage2Id }),
      },
      contact_id: { query: (w) => `contact_id=${w.contact2Id}`, matching: (w) => ({ contact_id: w.contact2Id }) },
      status: { query: () => 'status=lost', matching: () => ({ status: 'lost' }) },
      search: { query: () => 'search=platypus', matching: () => ({ label: 'Platypus deal' }) },
    },
    serverOwned: (_w, other) => ({ user_id: other.userId, closed_at: '2001-01-01T00:00:00.000Z' }),
    foreignKeys: { template_id: (other) => other.templateId, contact_id: (other) => other.contactId },
  },
];

/** Every writable resource's path, as the API serves them. */
export const WRITABLE_PATHS = RESOURCE_CASES.map((resource) => resource.path);
