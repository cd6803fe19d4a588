// Calls that change one member of a nested collection (`POST /groups/:id/members`, a project's
// sections and task links, a template's stages). Each is a read-modify-write of the parent's
// collection under the parent's row lock, through the same generic update as PUT/PATCH: the same
// validation, ownership checks, version bump and change record.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { conflict, DomainError, type FieldProblem, isDomainError, notFound } from '../errors.ts';
import { parseInput } from '../validation.ts';
import type { Entity } from './definition.ts';
import { projectSectionsCollection, projectTaskLinksCollection } from './definitions/projects.ts';
import { pipelineStagesCollection } from './definitions/pipeline-templates.ts';
import { updateResourceEntity, type WriteOptions } from './operations.ts';
import { resourceFor } from './registry.ts';
import { uuidSchema } from '../uuid.ts';
import { MAX_SET_SIZE } from './nested/id-set.ts';

type Item = Record<string, unknown> & { id?: string };

const itemSchema = (collection: { inputSchema: unknown }) =>
  (collection.inputSchema as z.ZodArray<z.ZodObject>).element;

export const groupMembersBody = z.strictObject({ contact_ids: z.array(uuidSchema()).min(1).max(MAX_SET_SIZE) });
export const sectionBody = itemSchema(projectSectionsCollection);
export const sectionPatchBody = sectionBody.partial();
export const taskLinkBody = itemSchema(projectTaskLinksCollection);
export const stageBody = itemSchema(pipelineStagesCollection);

export interface ItemResult {
  parent: Entity;
  item: Entity;
}

/**
 * Runs a write of the parent entity for a call whose body is not the parent's: the problems it
 * finds are answered with the fields as this call's request spells them (docs/api.md: details
 * name every offending field of the request).
 */
export async function inRequestTerms<T>(requestField: (field: string) => string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'VALIDATION_ERROR' || !Array.isArray(error.details)) throw error;
    const problems = (error.details as FieldProblem[]).map((problem) => ({
      ...problem,
      field: requestField(problem.field),
    }));
    throw new DomainError(error.code, error.message, problems);
  }
}

/** `stages.3.name` → `name`: an item call's body is the one item. */
const itemField = (collection: string) => (field: string) =>
  field.startsWith(`${collection}.`) ? field.slice(collection.length + 1).replace(/^\d+\./, '') : field;

export async function addGroupMembers(
  db: Db,
  auth: AuthContext,
  groupId: string,
  body: unknown,
  options: WriteOptions = {},
): Promise<Entity> {
  const { contact_ids } = parseInput(groupMembersBody, body);
  return inRequestTerms(
    (field) => (field === 'member_contact_ids' ? 'contact_ids' : field),
    () =>
      updateResourceEntity(
        db,
        auth,
        resourceFor('group'),
        groupId,
        (current: Entity) => ({
          member_contact_ids: [...new Set([...(current.member_contact_ids as string[]), ...contact_ids])],
        }),
        { ...options, mode: 'patch' },
      ),
  );
}

export async function removeGroupMember(
  db: Db,
  auth: AuthContext,
  groupId: string,
  contactId: string,
  options: WriteOptions = {},
): Promise<Entity> {
  return updateResourceEntity(
    db,
    auth,
    resourceFor('group'),
    groupId,
    (current: Entity) => {
      const members = current.member_contact_ids as string[];
      if (!members.includes(contactId)) throw notFound('Group member');
      return { member_contact_ids: members.filter((id) => id !== contactId) };
    },
    { ...options, mode: 'patch' },
  );
}

type ParentType = 'project' | 'pipeline_template';

/**
 * A read-modify-write of one collection of the parent under its row lock; problems are answered in
 * the item call's own field names.
 */
function writeCollection(
  db: Db,
  auth: AuthContext,
  type: ParentType,
  parentId: string,
  field: string,
  next: (items: Item[]) => Item[],
  options: WriteOptions,
): Promise<Entity> {
  return inRequestTerms(itemField(field), () =>
    updateResourceEntity(
      db,
      auth,
      resourceFor(type),
      parentId,
      (current: Entity) => ({ [field]: next(current[field] as Item[]) }),
      { ...options, mode: 'patch' },
    ),
  );
}

/** Appends an item to a parent's collection; the answer carries the stored item. */
async function addItem(
  db: Db,
  auth: AuthContext,
  type: ParentType,
  parentId: string,
  field: string,
  item: Item,
  options: WriteOptions,
): Promise<ItemResult> {
  const id = item.id ?? randomUUID();
  const parent = await writeCollection(
    db,
    auth,
    type,
    parentId,
    field,
    (items) => {
      if (items.some((existing) => existing.id === id))
        throw conflict(`An item with id ${id} already exists in ${field}`);
      return [...items, { ...item, id }];
    },
    options,
  );
  return { parent, item: (parent[field] as Item[]).find((stored) => stored.id === id) as Entity };
}

/** Changes or removes one item of a parent's collection; NOT_FOUND when the parent has no such item. */
function changeItems(
  db: Db,
  auth: AuthContext,
  type: ParentType,
  parentId: string,
  field: string,
  what: string,
  change: (items: Item[]) => Item[] | undefined,
  options: WriteOptions,
): Promise<Entity> {
  return writeCollection(
    db,
    auth,
    type,
    parentId,
    field,
    (items) => {
      const next = change(items);
      if (!next) throw notFound(what);
      return next;
    },
    options,
  );
}

/** The change that removes every item whose `key` is `value`: undefined (NOT_FOUND) when no item has it. */
const withoutItemsWhere =
  (key: string, value: string) =>
  (items: Item[]): Item[] | undefined =>
    items.some((item) => item[key] === value) ? items.filter((item) => item[key] !== value) : undefined;

export const addProjectSection = (
  db: Db,
  auth: AuthContext,
  projectId: string,
  body: unknown,
  options: WriteOptions = {},
) => addItem(db, auth, 'project', projectId, 'sections', parseInput(sectionBody, body) as Item, options);

export async function updateProjectSection(
  db: Db,
  auth: AuthContext,
  projectId: string,
  sectionId: string,
  body: unknown,
  options: WriteOptions = {},
): Promise<ItemResult> {
  const patch = parseInput(sectionPatchBody, body) as Item;
  delete patch.id;
  const parent = await changeItems(
    db,
    auth,
    'project',
    projectId,
    'sections',
    'Section',
    (items) => {
      const index = items.findIndex((item) => item.id === sectionId);
      if (index < 0) return undefined;
      return items.map((item) => (item.id === sectionId ? { ...item, ...patch } : item));
    },
    options,
  );
  return { parent, item: (parent.sections as Item[]).find((item) => item.id === sectionId) as Entity };
}

export const removeProjectSection = (
  db: Db,
  auth: AuthContext,
  projectId: string,
  sectionId: string,
  options: WriteOptions = {},
) => changeItems(db, auth, 'project', projectId, 'sections', 'Section', withoutItemsWhere('id', sectionId), options);

export const addProjectTaskLink = (
  db: Db,
  auth: AuthContext,
  projectId: string,
  body: unknown,
  options: WriteOptions = {},
) => addItem(db, auth, 'project', projectId, 'task_links', parseInput(taskLinkBody, body) as Item, options);

/** Removes the task from every section of the project. */
export const removeProjectTaskLinks = (
  db: Db,
  auth: AuthContext,
  projectId: string,
  taskId: string,
  options: WriteOptions = {},
) =>
  changeItems(db, auth, 'project', projectId, 'task_links', 'Task link', withoutItemsWhere('task_id', taskId), options);

export const addPipelineStage = (
  db: Db,
  auth: AuthContext,
  templateId: string,
  body: unknown,
  options: WriteOptions = {},
) => addItem(db, auth, 'pipeline_template', templateId, 'stages', parseInput(stageBody, body) as Item, options);
