// A small client of the sync API over real HTTP, shared by the sync tests and the sync benchmark.
import { randomUUID } from 'node:crypto';
import { request, type JsonResponse } from '../helpers/http.ts';

export type Operation = 'create' | 'update' | 'delete';

export interface Change {
  mutation_id: string;
  entity_type: string;
  entity_id: string;
  operation: Operation | string;
  data?: Record<string, unknown> | null;
  base_version?: number | null;
  client_updated_at: string;
}

export interface PushConflict {
  mutation_id: string;
  entity_type: string;
  entity_id: string;
  resolution: 'server_won' | 'client_won';
  server: Record<string, any>;
}

export interface PushResult {
  successful: string[];
  failed: Array<{ mutation_id: string; error: { code: string; message: string } }>;
  conflicts: PushConflict[];
}

export interface PulledChange {
  entity_type: string;
  entity_id: string;
  operation: 'upsert' | 'archive' | 'delete';
  data: Record<string, any> | null;
  sync_version: number;
}

export interface PullResult {
  changes: PulledChange[];
  cursor: string;
  has_more: boolean;
  sync_timestamp: string;
  schema_version: number;
}

export interface SyncClient {
  pushRaw(body: unknown): Promise<JsonResponse>;
  pullRaw(body: unknown): Promise<JsonResponse>;
  /** Pushes and asserts a 200. */
  push(deviceId: string, changes: Change[]): Promise<PushResult>;
  /** Pulls one page and asserts a 200. */
  pull(cursor?: string, limit?: number): Promise<PullResult>;
  /** Pulls every page after `cursor`; returns all changes and the last cursor. */
  pullAll(cursor?: string, limit?: number): Promise<{ changes: PulledChange[]; cursor: string; pages: number }>;
}

export function syncClient(baseUrl: string, token: string): SyncClient {
  const pushRaw = (body: unknown) => request(baseUrl, 'POST', '/api/v1/sync/push', { token, body });
  const pullRaw = (body: unknown) => request(baseUrl, 'POST', '/api/v1/sync/pull', { token, body });
  const expectOk = (response: JsonResponse, what: string) => {
    if (response.status !== 200)
      throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body.data;
  };
  const pull = async (cursor?: string, limit?: number): Promise<PullResult> =>
    expectOk(await pullRaw({ ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) }), 'pull');
  return {
    pushRaw,
    pullRaw,
    push: async (deviceId, changes) => expectOk(await pushRaw({ device_id: deviceId, changes }), 'push'),
    pull,
    pullAll: async (cursor, limit) => {
      const changes: PulledChange[] = [];
      let next = cursor;
      let pages = 0;
      for (;;) {
        const page = await pull(next, limit);
        pages += 1;
        changes.push(...page.changes);
        next = page.cursor;
        if (!page.has_more) return { changes, cursor: page.cursor, pages };
      }
    },
  };
}

/** A change with a fresh mutation id, made "now" unless told otherwise. */
export function change(
  fields: Omit<Change, 'mutation_id' | 'client_updated_at'> & { mutation_id?: string; client_updated_at?: string },
): Change {
  return { mutation_id: randomUUID(), client_updated_at: new Date().toISOString(), ...fields };
}

export const contactData = (name: string, extra: Record<string, unknown> = {}) => ({
  full_name: name,
  relationship_domain: 'business',
  relationship_role: 'client',
  ...extra,
});
