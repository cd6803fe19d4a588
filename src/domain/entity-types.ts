// The kinds of entity the server keeps, as `POST /sync/push|pull` and the change feed name them.

/** Singular entity names, as `POST /sync/push|pull` speak them (docs/sync.md). */
export const ENTITY_TYPES = [
  'contact',
  'note',
  'task',
  'interaction',
  'folder',
  'group',
  'project',
  'pipeline_template',
  'pipeline_item',
  'topic',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];
