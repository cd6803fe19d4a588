// A registered user with a few rows of each kind, built through the real API, and a small client
// bound to that user's token. Shared by the resource tests.
import { and, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { syncChanges } from '../../src/db/schema/index.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { request, type JsonResponse } from '../helpers/http.ts';
import type { TestServer } from '../helpers/server.ts';
import { startServerWith } from '../helpers/server-with-users.ts';

export interface Api {
  get(path: string, headers?: Record<string, string>): Promise<JsonResponse>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonResponse>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonResponse>;
  patch(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonResponse>;
  del(path: string, headers?: Record<string, string>): Promise<JsonResponse>;
}

export function apiFor(baseUrl: string, token: string): Api {
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    request(baseUrl, method, `/api/v1${path}`, { token, body, headers });
  return {
    get: (path, headers) => call('GET', path, undefined, headers),
    post: (path, body, headers) => call('POST', path, body, headers),
    put: (path, body, headers) => call('PUT', path, body, headers),
    patch: (path, body, headers) => call('PATCH', path, body, headers),
    del: (path, headers) => call('DELETE', path, undefined, headers),
  };
}

export interface World {
  user: RegisteredUser;
  api: Api;
  userId: string;
  contactZeroId: string;
  contactId: string;
  contact2Id: string;
  folderId: string;
  defaultFolderIds: string[];
  taskId: string;
  templateId: string;
  stageId: string;
  stage2Id: string;
  /** A stage of `templateId` whose auto task is "Send proposal", due 3 days later. */
  autoStageId: string;
  template2Id: string;
  template2StageId: string;
  projectId: string;
  sectionId: string;
  groupId: string;
  noteId: string;
}

/** Asserts a 2xx answer and returns its `data`. */
export async function ok(response: Promise<JsonResponse> | JsonResponse, status = 201): Promise<any> {
  const resolved = await response;
  expect(resolved.status, JSON.stringify(resolved.body)).toBe(status);
  return resolved.body.data;
}

export async function buildWorld(baseUrl: string): Promise<World> {
  const user = await registerUser(baseUrl);
  const api = apiFor(baseUrl, user.accessToken);
  const contact = await ok(
    api.post('/contacts', { full_name: 'Grace Hopper', relationship_domain: 'business', relationship_role: 'client' }),
  );
  const contact2 = await ok(
    api.post('/contacts', { full_name: 'Alan Turing', relationship_domain: 'personal', relationship_role: 'friend' }),
  );
  const folders = await ok(api.get('/folders?is_default=true'), 200);
  const folder = await ok(api.post('/folders', { name: 'Clients' }));
  const task = await ok(api.post('/tasks', { contact_id: contact.id, title: 'Follow up' }));
  const template = await ok(
    api.post('/pipelines/templates', {
      name: 'Sales',
      domain: 'business',
      stages: [
        { name: 'Lead', sort_order: 0 },
        { name: 'Qualified', sort_order: 1 },
        { name: 'Proposal', sort_order: 2, auto_task_title: 'Send proposal', auto_task_due_in_days: 3 },
      ],
    }),
  );
  const template2 = await ok(
    api.post('/pipelines/templates', {
      name: 'Hiring',
      domain: 'personal',
      stages: [{ name: 'Applied', sort_order: 0 }],
    }),
  );
  const project = await ok(
    api.post('/projects', {
      name: 'Apollo',
      primary_contact_id: contact.id,
      sections: [{ name: 'Backlog', sort_order: 0 }],
    }),
  );
  const group = await ok(api.post('/groups', { name: 'Friends', member_contact_ids: [contact2.id] }));
  const note = await ok(api.post('/notes', { title: 'World note' }));
  return {
    user,
    api,
    userId: user.userId,
    contactZeroId: user.contactZeroId,
    contactId: contact.id,
    contact2Id: contact2.id,
    folderId: folder.id,
    defaultFolderIds: folders.map((row: { id: string }) => row.id),
    taskId: task.id,
    templateId: template.id,
    stageId: template.stages[0].id,
    stage2Id: template.stages[1].id,
    autoStageId: template.stages[2].id,
    template2Id: template2.id,
    template2StageId: template2.stages[0].id,
    projectId: project.id,
    sectionId: project.sections[0].id,
    groupId: group.id,
    noteId: note.id,
  };
}

/** `[server, world, other] = await startServerWithWorlds(2)`: a test server and users with data on it. */
export const startServerWithWorlds = <Count extends number>(count: Count, env: Record<string, string> = {}) =>
  startServerWith<World, Count>(count, buildWorld, env);

/**
 * The sync sequence number of the user's entity (one change row per entity, moved on by each
 * write); 0 when no change was recorded, as every recorded one is positive.
 */
export async function changeSeqOf(
  server: TestServer,
  userId: string,
  entityType: string,
  entityId: string,
): Promise<number> {
  const [row] = await server.server.services.db
    .select({ seq: syncChanges.seq })
    .from(syncChanges)
    .where(
      and(
        eq(syncChanges.user_id, userId),
        eq(syncChanges.entity_type, entityType),
        eq(syncChanges.entity_id, entityId),
      ),
    );
  return row?.seq ?? 0;
}
