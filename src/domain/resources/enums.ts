// Allowed values of the columns the schema guards with CHECK constraints. Validated in the request
// schemas so the refusal names the field; the database's CHECK stays the backstop.
export const RELATIONSHIP_DOMAINS = ['business', 'personal', 'hybrid'] as const;
export const CONTACT_STATUSES = ['active', 'dormant', 'blocked', 'testing', 'archived'] as const;
export const FRAME_TRENDS = ['up', 'down', 'flat'] as const;
export const NOTE_KINDS = ['log', 'note', 'system'] as const;
export const PREFERRED_VIEWS = ['doc', 'canvas'] as const;
export const TASK_STATUSES = ['open', 'done', 'blocked'] as const;
export const INTERACTION_TYPES = ['call', 'meeting', 'message', 'email', 'dm', 'other'] as const;
export const PROJECT_STATUSES = ['active', 'on_hold', 'completed', 'archived'] as const;
export const PROJECT_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const PIPELINE_DOMAINS = RELATIONSHIP_DOMAINS;
export const PIPELINE_ITEM_STATUSES = ['open', 'won', 'lost', 'archived'] as const;
