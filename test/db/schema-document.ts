// The schema document (shared/seeds/BACKEND_SCHEMA.md) transcribed by hand, plus SPEC §3's changes.
// The catalog test checks the migrated database against THIS list, never against src/db/schema,
// so a column forgotten in the Drizzle schema cannot hide.

type OnDelete = 'CASCADE' | 'SET NULL' | 'NO ACTION';
export interface ExpectedTable {
  columns: string[];
  /** column → [referenced table, ON DELETE] */
  foreignKeys: Record<string, [string, OnDelete]>;
  checks: string[];
  /** Sorted column lists of UNIQUE constraints / PRIMARY KEYs of the document. */
  uniques: string[][];
}

const SYNC = ['is_archived', 'created_at', 'updated_at', 'sync_version', 'last_synced_at'];

export const DOCUMENT_TABLES: Record<string, ExpectedTable> = {
  users: {
    columns: ['id', 'email', 'email_verified_at', 'password_hash', 'full_name', 'avatar_url', 'phone', 'status', 'created_at', 'updated_at', 'last_login_at'],
    foreignKeys: {},
    checks: ['valid_email', 'valid_status'],
    uniques: [['email']],
  },
  contacts: {
    columns: ['id', 'user_id', 'full_name', 'email', 'phone', 'avatar_url', 'is_contact_zero', 'relationship_domain', 'relationship_role', 'status', 'frame_score', 'frame_trend', 'frame_last_scan_at', 'last_contact_at', 'next_action_at', 'tags', 'company', 'title', 'location', 'linkedin_url', 'x_handle', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'] },
    checks: ['valid_relationship_domain', 'valid_status'],
    uniques: [],
  },
  notes: {
    columns: ['id', 'user_id', 'title', 'icon', 'blocksuite_doc_id', 'blocksuite_doc', 'blocksuite_snapshot', 'author_contact_id', 'kind', 'date_key', 'folder_id', 'is_inbox', 'tags', 'preferred_view', 'is_pinned_home', 'is_pinned', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'], author_contact_id: ['contacts', 'CASCADE'], folder_id: ['folders', 'SET NULL'] },
    checks: ['valid_kind', 'valid_preferred_view', 'log_must_have_date'],
    uniques: [['blocksuite_doc_id']],
  },
  note_target_contacts: {
    columns: ['note_id', 'contact_id', 'created_at'],
    foreignKeys: { note_id: ['notes', 'CASCADE'], contact_id: ['contacts', 'CASCADE'] },
    checks: [],
    uniques: [['contact_id', 'note_id']],
  },
  note_links: {
    columns: ['id', 'source_note_id', 'target_note_id', 'created_at'],
    foreignKeys: { source_note_id: ['notes', 'CASCADE'], target_note_id: ['notes', 'CASCADE'] },
    checks: [],
    uniques: [['source_note_id', 'target_note_id']],
  },
  topics: {
    columns: ['id', 'user_id', 'label', 'slug', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'] },
    checks: [],
    uniques: [['slug', 'user_id']],
  },
  note_topics: {
    columns: ['note_id', 'topic_id', 'created_at'],
    foreignKeys: { note_id: ['notes', 'CASCADE'], topic_id: ['topics', 'CASCADE'] },
    checks: [],
    uniques: [['note_id', 'topic_id']],
  },
  tasks: {
    columns: ['id', 'user_id', 'contact_id', 'title', 'description', 'status', 'due_at', 'created_by', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'], contact_id: ['contacts', 'CASCADE'], created_by: ['contacts', 'NO ACTION'] },
    checks: ['valid_status'],
    uniques: [],
  },
  interactions: {
    columns: ['id', 'user_id', 'contact_id', 'author_contact_id', 'type', 'summary', 'occurred_at', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'], contact_id: ['contacts', 'CASCADE'], author_contact_id: ['contacts', 'CASCADE'] },
    checks: ['valid_type'],
    uniques: [],
  },
  interaction_attachments: {
    columns: ['id', 'interaction_id', 'file_name', 'mime_type', 'data_url', 'created_at'],
    foreignKeys: { interaction_id: ['interactions', 'CASCADE'] },
    checks: [],
    uniques: [],
  },
  folders: {
    columns: ['id', 'user_id', 'parent_id', 'name', 'icon', 'color', 'sort_order', 'is_default', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'], parent_id: ['folders', 'CASCADE'] },
    checks: [],
    uniques: [],
  },
  groups: {
    columns: ['id', 'user_id', 'name', 'description', 'banner_url', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'] },
    checks: [],
    uniques: [],
  },
  group_memberships: {
    columns: ['group_id', 'contact_id', 'joined_at'],
    foreignKeys: { group_id: ['groups', 'CASCADE'], contact_id: ['contacts', 'CASCADE'] },
    checks: [],
    uniques: [['contact_id', 'group_id']],
  },
  projects: {
    columns: ['id', 'user_id', 'name', 'description', 'banner_url', 'primary_contact_id', 'status', 'priority', 'start_date', 'due_date', 'is_group_project', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'], primary_contact_id: ['contacts', 'CASCADE'] },
    checks: ['valid_status', 'valid_priority'],
    uniques: [],
  },
  project_related_contacts: {
    columns: ['project_id', 'contact_id', 'created_at'],
    foreignKeys: { project_id: ['projects', 'CASCADE'], contact_id: ['contacts', 'CASCADE'] },
    checks: [],
    uniques: [['contact_id', 'project_id']],
  },
  project_sections: {
    columns: ['id', 'project_id', 'name', 'sort_order', 'created_at'],
    foreignKeys: { project_id: ['projects', 'CASCADE'] },
    checks: [],
    uniques: [],
  },
  project_task_links: {
    columns: ['id', 'project_id', 'section_id', 'task_id', 'sort_order', 'created_at'],
    foreignKeys: { project_id: ['projects', 'CASCADE'], section_id: ['project_sections', 'CASCADE'], task_id: ['tasks', 'CASCADE'] },
    checks: [],
    uniques: [['project_id', 'section_id', 'task_id']],
  },
  project_attachments: {
    columns: ['id', 'project_id', 'file_name', 'mime_type', 'data_url', 'uploaded_by', 'created_at'],
    foreignKeys: { project_id: ['projects', 'CASCADE'], uploaded_by: ['contacts', 'NO ACTION'] },
    checks: [],
    uniques: [],
  },
  pipeline_templates: {
    columns: ['id', 'user_id', 'name', 'description', 'domain', 'is_default', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'] },
    checks: ['valid_domain'],
    uniques: [],
  },
  pipeline_stage_templates: {
    columns: ['id', 'template_id', 'name', 'sort_order', 'color', 'auto_task_title', 'auto_task_due_in_days', 'created_at'],
    foreignKeys: { template_id: ['pipeline_templates', 'CASCADE'] },
    checks: [],
    uniques: [],
  },
  pipeline_items: {
    columns: ['id', 'user_id', 'template_id', 'current_stage_id', 'contact_id', 'label', 'value', 'status', 'closed_at', ...SYNC],
    foreignKeys: { user_id: ['users', 'CASCADE'], template_id: ['pipeline_templates', 'CASCADE'], current_stage_id: ['pipeline_stage_templates', 'NO ACTION'], contact_id: ['contacts', 'CASCADE'] },
    checks: ['valid_status'],
    uniques: [],
  },
};

/**
 * Every index the document lists (its two expression FTS indexes are replaced, per SPEC §3, by one
 * GIN index on a generated tsvector), with the access method and whether it is partial.
 */
export const DOCUMENT_INDEXES: Array<{ name: string; table: string; method: 'btree' | 'gin'; partial: boolean; unique?: boolean }> = [
  { name: 'idx_users_email', table: 'users', method: 'btree', partial: false },
  { name: 'idx_users_status', table: 'users', method: 'btree', partial: false },
  { name: 'idx_users_created_at', table: 'users', method: 'btree', partial: false },
  { name: 'idx_contacts_user_id', table: 'contacts', method: 'btree', partial: false },
  { name: 'idx_contacts_is_contact_zero', table: 'contacts', method: 'btree', partial: true },
  { name: 'idx_contacts_status', table: 'contacts', method: 'btree', partial: true },
  { name: 'idx_contacts_tags', table: 'contacts', method: 'gin', partial: false },
  { name: 'idx_contacts_next_action_at', table: 'contacts', method: 'btree', partial: true },
  { name: 'idx_contacts_relationship_domain', table: 'contacts', method: 'btree', partial: false },
  { name: 'uq_contacts_one_contact_zero_per_user', table: 'contacts', method: 'btree', partial: true, unique: true },
  { name: 'idx_notes_user_id', table: 'notes', method: 'btree', partial: false },
  { name: 'idx_notes_author_contact_id', table: 'notes', method: 'btree', partial: false },
  { name: 'idx_notes_kind', table: 'notes', method: 'btree', partial: true },
  { name: 'idx_notes_date_key', table: 'notes', method: 'btree', partial: true },
  { name: 'idx_notes_folder_id', table: 'notes', method: 'btree', partial: true },
  { name: 'idx_notes_is_inbox', table: 'notes', method: 'btree', partial: true },
  { name: 'idx_notes_tags', table: 'notes', method: 'gin', partial: false },
  { name: 'idx_notes_created_at', table: 'notes', method: 'btree', partial: false },
  { name: 'idx_notes_updated_at', table: 'notes', method: 'btree', partial: false },
  { name: 'idx_notes_blocksuite_doc_id', table: 'notes', method: 'btree', partial: false },
  { name: 'idx_notes_search_vector', table: 'notes', method: 'gin', partial: false },
  { name: 'idx_note_target_contacts_contact_id', table: 'note_target_contacts', method: 'btree', partial: false },
  { name: 'idx_note_target_contacts_note_id', table: 'note_target_contacts', method: 'btree', partial: false },
  { name: 'idx_note_links_source', table: 'note_links', method: 'btree', partial: false },
  { name: 'idx_note_links_target', table: 'note_links', method: 'btree', partial: false },
  { name: 'idx_topics_user_id', table: 'topics', method: 'btree', partial: false },
  { name: 'idx_topics_slug', table: 'topics', method: 'btree', partial: false },
  { name: 'idx_note_topics_topic_id', table: 'note_topics', method: 'btree', partial: false },
  { name: 'idx_note_topics_note_id', table: 'note_topics', method: 'btree', partial: false },
  { name: 'idx_tasks_user_id', table: 'tasks', method: 'btree', partial: false },
  { name: 'idx_tasks_contact_id', table: 'tasks', method: 'btree', partial: true },
  { name: 'idx_tasks_status', table: 'tasks', method: 'btree', partial: true },
  { name: 'idx_tasks_due_at', table: 'tasks', method: 'btree', partial: true },
  { name: 'idx_tasks_created_at', table: 'tasks', method: 'btree', partial: false },
  { name: 'idx_interactions_user_id', table: 'interactions', method: 'btree', partial: false },
  { name: 'idx_interactions_contact_id', table: 'interactions', method: 'btree', partial: false },
  { name: 'idx_interactions_occurred_at', table: 'interactions', method: 'btree', partial: false },
  { name: 'idx_interactions_type', table: 'interactions', method: 'btree', partial: false },
  { name: 'idx_interaction_attachments_interaction_id', table: 'interaction_attachments', method: 'btree', partial: false },
  { name: 'idx_folders_user_id', table: 'folders', method: 'btree', partial: false },
  { name: 'idx_folders_parent_id', table: 'folders', method: 'btree', partial: false },
  { name: 'idx_folders_is_default', table: 'folders', method: 'btree', partial: true },
  { name: 'idx_groups_user_id', table: 'groups', method: 'btree', partial: false },
  { name: 'idx_group_memberships_contact_id', table: 'group_memberships', method: 'btree', partial: false },
  { name: 'idx_group_memberships_group_id', table: 'group_memberships', method: 'btree', partial: false },
  { name: 'idx_projects_user_id', table: 'projects', method: 'btree', partial: false },
  { name: 'idx_projects_primary_contact_id', table: 'projects', method: 'btree', partial: false },
  { name: 'idx_projects_status', table: 'projects', method: 'btree', partial: false },
  { name: 'idx_projects_priority', table: 'projects', method: 'btree', partial: false },
  { name: 'idx_projects_due_date', table: 'projects', method: 'btree', partial: true },
  { name: 'idx_project_related_contacts_contact_id', table: 'project_related_contacts', method: 'btree', partial: false },
  { name: 'idx_project_sections_project_id', table: 'project_sections', method: 'btree', partial: false },
  { name: 'idx_project_task_links_project_id', table: 'project_task_links', method: 'btree', partial: false },
  { name: 'idx_project_task_links_section_id', table: 'project_task_links', method: 'btree', partial: false },
  { name: 'idx_project_task_links_task_id', table: 'project_task_links', method: 'btree', partial: false },
  { name: 'idx_project_attachments_project_id', table: 'project_attachments', method: 'btree', partial: false },
  { name: 'idx_pipeline_templates_user_id', table: 'pipeline_templates', method: 'btree', partial: false },
  { name: 'idx_pipeline_templates_domain', table: 'pipeline_templates', method: 'btree', partial: false },
  { name: 'idx_pipeline_stage_templates_template_id', table: 'pipeline_stage_templates', method: 'btree', partial: false },
  { name: 'idx_pipeline_items_user_id', table: 'pipeline_items', method: 'btree', partial: false },
  { name: 'idx_pipeline_items_template_id', table: 'pipeline_items', method: 'btree', partial: false },
  { name: 'idx_pipeline_items_contact_id', table: 'pipeline_items', method: 'btree', partial: false },
  { name: 'idx_pipeline_items_current_stage_id', table: 'pipeline_items', method: 'btree', partial: false },
  { name: 'idx_pipeline_items_status', table: 'pipeline_items', method: 'btree', partial: false },
];
