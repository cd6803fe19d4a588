// /metrics after a short workload touching every transport: each series the operators rely on is
// present and holds the value the workload implies.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../helpers/auth.ts';
import { connectProvider, eventually, waitAcknowledged, waitFor, waitSynced } from '../helpers/collab.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { change, contactData, syncClient } from '../sync/sync-client.ts';
import { metric } from './cluster.ts';

let server: TestServer;
beforeAll(async () => {
  // Compaction only when the test asks, so the update-log length is known.
  server = await startTestServer({ STORE_DEBOUNCE_MS: '600000', STORE_MAX_DEBOUNCE_MS: '600000' });
});
afterAll(async () => server?.destroy());

const scrape = async () => {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
};

describe('/metrics', () => {
  it('exposes every series with the values a short workload implies', async () => {
    const user = await registerUser(server.url);
    expect(
      (await request(server.url, 'GET', `/api/v1/notes/${randomUUID()}`, { token: user.accessToken })).status,
    ).toBe(404);
    const sync = syncClient(server.url, user.accessToken);
    const pushed = await sync.push('device-m', [
      change({ entity_type: 'contact', entity_id: randomUUID(), operation: 'create', data: contactData('Metric Ada') }),
      change({ entity_type: 'contact', entity_id: 'not-a-uuid', operation: 'create', data: contactData('Broken') }),
    ]);
    expect(pushed.failed).toHaveLength(1);
    const pulled = await sync.pull();

    const intruder = connectProvider(server.collabUrl, 'metrics-doc', 'not-a-token', { awareness: false });
    await waitFor(() => intruder.denials.length > 0, 10_000, 'the bad token to be refused');
    intruder.destroy();
    const editor = connectProvider(server.collabUrl, 'metrics-doc', user.accessToken, { awareness: false });
    await waitSynced(editor);
    for (let edit = 0; edit < 5; edit += 1) {
      editor.doc.getText('text').insert(0, `e${edit} `);
      await waitAcknowledged(editor);
    }

    let text = await scrape();
    // HTTP: by route pattern (never the raw path) and status.
    expect(
      metric(text, 'http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/auth/register',
        status: '201',
      }),
    ).toBe(1);
    expect(
      metric(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/notes/:id', status: '404' }),
    ).toBe(1);
    expect(
      metric(text, 'http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/sync/push',
        status: '200',
      }),
    ).toBe(1);
    expect(text).not.toMatch(/route="\/api\/v1\/notes\/[0-9a-f]{8}-/);
    expect(metric(text, 'errors_total', { transport: 'http', code: 'NOT_FOUND' })).toBe(1);
    expect(metric(text, 'errors_total', { transport: 'collab', code: 'UNAUTHORIZED' })).toBe(1);
    // Sync.
    expect(metric(text, 'sync_push_changes_total', { outcome: 'applied' })).toBe(1);
    expect(metric(text, 'sync_push_changes_total', { outcome: 'failed' })).toBe(1);
    expect(metric(text, 'sync_pulls_total')).toBe(1);
    expect(metric(text, 'sync_pulled_changes_total')).toBe(pulled.changes.length);
    expect(pulled.changes.length).toBeGreaterThan(0);
    // Collaboration: one editor on one document, five edits, each logged then applied.
    expect(metric(text, 'collab_open_connections')).toBe(1);
    expect(metric(text, 'collab_loaded_documents')).toBe(1);
    expect(metric(text, 'collab_updates_received_total')).toBe(5);
    expect(metric(text, 'collab_updates_logged_total')).toBe(5);
    expect(metric(text, 'collab_updates_applied_total')).toBe(5);
    expect(metric(text, 'collab_update_log_entries')).toBe(5);
    const appends = metric(text, 'collab_update_append_duration_seconds_count');
    expect(appends).toBeGreaterThanOrEqual(1);
    expect(appends).toBeLessThanOrEqual(5);
    expect(metric(text, 'collab_update_append_duration_seconds_sum')).toBeGreaterThan(0);
    expect(metric(text, 'collab_update_append_duration_seconds_sum') / appends).toBeLessThan(5);
    expect(metric(text, 'collab_store_duration_seconds_count')).toBe(0);
    expect(metric(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);

    // The editor leaves: the document is stored (compacted) and unloaded.
    editor.destroy();
    await eventually(
      async () => metric(await scrape(), 'collab_loaded_documents') === 0,
      20_000,
      'the document to unload',
    );
    text = await scrape();
    expect(metric(text, 'collab_open_connections')).toBe(0);
    expect(metric(text, 'collab_update_log_entries')).toBe(0);
    expect(metric(text, 'collab_store_duration_seconds_count')).toBe(1);
    const storeSeconds = metric(text, 'collab_store_duration_seconds_sum');
    expect(storeSeconds).toBeGreaterThan(0);
    expect(storeSeconds).toBeLessThan(10);
  });
});
