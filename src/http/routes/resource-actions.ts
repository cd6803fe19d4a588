// Routes that act on one member of a resource's nested collection, and a note's links. Each calls
// one domain function; the parent's ETag/If-Match guard these like the parent's own writes.
import { createRoute, z } from '@hono/zod-openapi';
import type { Db } from '../../db/client.ts';
import { listLinkedNotes } from '../../domain/notes/note-links.ts';
import { getEntity, resourceFor, type Entity } from '../../domain/resources/index.ts';
import {
  addGroupMembers,
  addPipelineStage,
  addProjectSection,
  addProjectTaskLink,
  groupMembersBody,
  removeGroupMember,
  removeProjectSection,
  removeProjectTaskLinks,
  sectionBody,
  sectionPatchBody,
  stageBody,
  taskLinkBody,
  updateProjectSection,
  type ItemResult,
} from '../../domain/resources/sub-resources.ts';
import type { EntityType } from '../../domain/entity-types.ts';
import type { App } from '../app.ts';
import {
  caller,
  component,
  dataEnvelope,
  entityResponse,
  ETAG_HEADER,
  expectedVersion,
  IfMatchHeaders,
  jsonBody,
  pathParam,
  pickErrors,
  SECURITY,
  entitySchemaOf,
  sendEntity,
  sendVersioned,
  type ResourceContext,
} from './resource-kit.ts';

const LinkedNote = z
  .object({
    note_id: z.string().openapi({ format: 'uuid' }),
    title: z.string().nullable(),
    blocksuite_doc_id: z.string(),
  })
  .openapi('LinkedNote');

const params = (...names: Array<[string, string]>) =>
  z.object(Object.fromEntries(names.map(([name, description]) => [name, pathParam(name, description)])));

const param = (c: ResourceContext, name: string): string => c.req.param(name) ?? '';

/** The answer to adding or changing one item: the item, with its parent's new version as ETag. */
function sendItem<S extends 200 | 201>(c: ResourceContext, result: ItemResult, status: S) {
  return sendVersioned(c, result.item, result.parent.sync_version, status);
}

function itemResponse(schema: z.ZodType, description: string) {
  return {
    description: `${description} (ETag: the parent's new version)`,
    headers: ETAG_HEADER,
    content: { 'application/json': { schema: dataEnvelope(schema) } },
  };
}

/** `GET /parent/:id/<field>`: one nested collection of a parent. */
function addCollectionRead(
  app: App,
  db: Db,
  type: EntityType,
  path: string,
  field: string,
  tag: string,
  item: z.ZodType,
  summary: string,
): void {
  app.openapi(
    createRoute({
      method: 'get',
      path,
      tags: [tag],
      summary,
      security: SECURITY,
      request: { params: params(['id', 'Parent id']) },
      responses: {
        200: {
          description: summary,
          headers: ETAG_HEADER,
          content: { 'application/json': { schema: dataEnvelope(z.array(item)) } },
        },
        ...pickErrors(401, 404, 429),
      },
    }),
    async (c) => {
      const parent: Entity = await getEntity(db, caller(c), type, param(c, 'id'));
      return sendVersioned(c, parent[field], parent.sync_version);
    },
  );
}

export function registerResourceActions(app: App, db: Db): void {
  for (const [direction, suffix, summary] of [
    ['outgoing', 'links', 'Notes this note links to'],
    ['incoming', 'backlinks', 'Notes linking to this note'],
  ] as const) {
    app.openapi(
      createRoute({
        method: 'get',
        path: `/api/v1/notes/{id}/${suffix}`,
        tags: ['notes'],
        summary,
        security: SECURITY,
        request: { params: params(['id', 'Note id']) },
        responses: {
          200: { description: summary, content: { 'application/json': { schema: dataEnvelope(z.array(LinkedNote)) } } },
          ...pickErrors(401, 404, 429),
        },
      }),
      async (c) => c.json({ data: await listLinkedNotes(db, caller(c), param(c, 'id'), direction) }, 200),
    );
  }

  const Group = entitySchemaOf(resourceFor('group'));
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/groups/{id}/members',
      tags: ['groups'],
      summary: 'Add your contacts to a group',
      security: SECURITY,
      request: {
        params: params(['id', 'Group id']),
        headers: IfMatchHeaders,
        ...jsonBody(component(groupMembersBody, 'GroupMembersRequest')),
      },
      responses: { 200: entityResponse(Group, 'The group with its members'), ...pickErrors(400, 401, 404, 409, 429) },
    }),
    async (c) =>
      sendEntity(
        c,
        await addGroupMembers(db, caller(c), param(c, 'id'), await c.req.json(), {
          expectedVersion: expectedVersion(c),
        }),
      ),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/groups/{id}/members/{contact_id}',
      tags: ['groups'],
      summary: 'Remove a contact from a group',
      security: SECURITY,
      request: { params: params(['id', 'Group id'], ['contact_id', 'Member contact id']), headers: IfMatchHeaders },
      responses: { 204: { description: 'Removed' }, ...pickErrors(401, 404, 409, 429) },
    }),
    async (c) => {
      await removeGroupMember(db, caller(c), param(c, 'id'), param(c, 'contact_id'), {
        expectedVersion: expectedVersion(c),
      });
      return c.body(null, 204);
    },
  );

  const Section = component(sectionBody, 'ProjectSection');
  addCollectionRead(
    app,
    db,
    'project',
    '/api/v1/projects/{id}/sections',
    'sections',
    'projects',
    Section,
    "A project's sections",
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/projects/{id}/sections',
      tags: ['projects'],
      summary: 'Add a section to a project',
      security: SECURITY,
      request: { params: params(['id', 'Project id']), headers: IfMatchHeaders, ...jsonBody(Section) },
      responses: { 201: itemResponse(Section, 'The section'), ...pickErrors(400, 401, 404, 409, 429) },
    }),
    async (c) =>
      sendItem(
        c,
        await addProjectSection(db, caller(c), param(c, 'id'), await c.req.json(), {
          expectedVersion: expectedVersion(c),
        }),
        201,
      ),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/projects/{id}/sections/{section_id}',
      tags: ['projects'],
      summary: 'Rename or reorder a section',
      security: SECURITY,
      request: {
        params: params(['id', 'Project id'], ['section_id', 'Section id']),
        headers: IfMatchHeaders,
        ...jsonBody(component(sectionPatchBody, 'ProjectSectionPatch')),
      },
      responses: { 200: itemResponse(Section, 'The section'), ...pickErrors(400, 401, 404, 409, 429) },
    }),
    async (c) =>
      sendItem(
        c,
        await updateProjectSection(db, caller(c), param(c, 'id'), param(c, 'section_id'), await c.req.json(), {
          expectedVersion: expectedVersion(c),
        }),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/projects/{id}/sections/{section_id}',
      tags: ['projects'],
      summary: 'Remove a section and its task links',
      security: SECURITY,
      request: { params: params(['id', 'Project id'], ['section_id', 'Section id']), headers: IfMatchHeaders },
      responses: { 204: { description: 'Removed' }, ...pickErrors(401, 404, 409, 429) },
    }),
    async (c) => {
      await removeProjectSection(db, caller(c), param(c, 'id'), param(c, 'section_id'), {
        expectedVersion: expectedVersion(c),
      });
      return c.body(null, 204);
    },
  );

  const TaskLink = component(taskLinkBody, 'ProjectTaskLink');
  addCollectionRead(
    app,
    db,
    'project',
    '/api/v1/projects/{id}/tasks',
    'task_links',
    'projects',
    TaskLink,
    "A project's task links",
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/projects/{id}/tasks',
      tags: ['projects'],
      summary: 'Place one of your tasks in a section of the project',
      security: SECURITY,
      request: { params: params(['id', 'Project id']), headers: IfMatchHeaders, ...jsonBody(TaskLink) },
      responses: { 201: itemResponse(TaskLink, 'The task link'), ...pickErrors(400, 401, 404, 409, 429) },
    }),
    async (c) =>
      sendItem(
        c,
        await addProjectTaskLink(db, caller(c), param(c, 'id'), await c.req.json(), {
          expectedVersion: expectedVersion(c),
        }),
        201,
      ),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/projects/{id}/tasks/{task_id}',
      tags: ['projects'],
      summary: 'Take a task out of the project (every section)',
      security: SECURITY,
      request: { params: params(['id', 'Project id'], ['task_id', 'Task id']), headers: IfMatchHeaders },
      responses: { 204: { description: 'Removed' }, ...pickErrors(401, 404, 409, 429) },
    }),
    async (c) => {
      await removeProjectTaskLinks(db, caller(c), param(c, 'id'), param(c, 'task_id'), {
        expectedVersion: expectedVersion(c),
      });
      return c.body(null, 204);
    },
  );

  const Stage = component(stageBody, 'PipelineStage');
  addCollectionRead(
    app,
    db,
    'pipeline_template',
    '/api/v1/pipelines/templates/{id}/stages',
    'stages',
    'pipelines/templates',
    Stage,
    "A pipeline template's stages",
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/pipelines/templates/{id}/stages',
      tags: ['pipelines/templates'],
      summary: 'Add a stage to a pipeline template',
      security: SECURITY,
      request: { params: params(['id', 'Pipeline template id']), headers: IfMatchHeaders, ...jsonBody(Stage) },
      responses: { 201: itemResponse(Stage, 'The stage'), ...pickErrors(400, 401, 404, 409, 429) },
    }),
    async (c) =>
      sendItem(
        c,
        await addPipelineStage(db, caller(c), param(c, 'id'), await c.req.json(), {
          expectedVersion: expectedVersion(c),
        }),
        201,
      ),
  );
}
