// Every REST resource, in the order the API reference lists them.
import { validationError } from '../errors.ts';
import type { EntityType } from '../entity-types.ts';
import { contactsResource } from './definitions/contacts.ts';
import { foldersResource } from './definitions/folders.ts';
import { groupsResource } from './definitions/groups.ts';
import { interactionsResource } from './definitions/interactions.ts';
import { notesResource } from './definitions/notes.ts';
import { pipelineItemsResource } from './definitions/pipeline-items.ts';
import { pipelineTemplatesResource } from './definitions/pipeline-templates.ts';
import { projectsResource } from './definitions/projects.ts';
import { tasksResource } from './definitions/tasks.ts';
import { topicsResource } from './definitions/topics.ts';
import { compileResource, type Resource } from './resource.ts';

export const RESOURCES: readonly Resource[] = [
  contactsResource,
  notesResource,
  tasksResource,
  interactionsResource,
  topicsResource,
  foldersResource,
  groupsResource,
  projectsResource,
  pipelineTemplatesResource,
  pipelineItemsResource,
].map(compileResource);

const BY_ENTITY_TYPE = new Map<string, Resource>(
  RESOURCES.map((resource) => [resource.definition.entityType, resource]),
);

/** The resource of a sync `entity_type`; an unknown one is a VALIDATION_ERROR (docs/sync.md). */
export function resourceFor(entityType: EntityType | string): Resource {
  const resource = BY_ENTITY_TYPE.get(entityType);
  if (!resource)
    throw validationError([
      { field: 'entity_type', message: `is not one of ${[...BY_ENTITY_TYPE.keys()].join(', ')}` },
    ]);
  return resource;
}
