// POST /api/v1/import and GET /api/v1/export over real HTTP: the signed-in user's own account only,
// refusals in the standard envelope naming the record, the 15 MB body limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { EXPECTED_ADDED, EXPECTED_TOTALS } from './expected.ts';
import { countUserRows, dumpDatabase, loadSample } from './support.ts';

let server: TestServer;
let db: Db;
let dave: RegisteredUser;
let erin: RegisteredUser;

beforeAll(async () => {
  server = await startTestServer();
  db = server.server.services.db;
  dave = await registerUser(server.url);
  erin = await registerUser(server.url);
});
afterAll(async () => server?.destroy());

const post = (body: unknown, options: { token?: string; query?: string } = {}) =>
  request(server.url, 'POST', `/api/v1/import${options.query ?? ''}`, {
    token: options.token ?? dave.accessToken,
    body,
  });

describe('POST /api/v1/import', () => {
  it('needs a signed-in user', async () => {
    expectErrorEnvelope(await post(loadSample(), { token: '' }), 401, 'UNAUTHORIZED');
  });

  it('refuses a bad record with VALIDATION_ERROR naming it, writing nothing', async () => {
    const before = await dumpDatabase(db);
    const file = loadSample();
    file.framelord_tasks[3].status = 'later';
    const refused = await post(file);
    expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR');
    expect(refused.body.error.message).toContain('framelord_tasks[3].status');
    expect(refused.body.error.details).toEqual([{ field: 'framelord_tasks[3].status', message: expect.any(String) }]);

    const twoSelves = loadSample();
    twoSelves.framelord_contacts.push(twoSelves.framelord_contacts[0]);
    const second = await post(twoSelves);
    expectErrorEnvelope(second, 400, 'VALIDATION_ERROR');
    expect(second.body.error.details[0].field).toBe('framelord_contacts[13].id');
    expectErrorEnvelope(await post([loadSample()]), 400, 'VALIDATION_ERROR');
    expect(await dumpDatabase(db)).toEqual(before);
  });

  it('answers what a dry run would write, and writes nothing', async () => {
    const before = await dumpDatabase(db);
    const answer = await post(loadSample(), { query: '?dry_run=true' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.data.dry_run).toBe(true);
    expect(
      Object.fromEntries(
        answer.body.data.tables.map((row: { table: string; added: number }) => [row.table, row.added]),
      ),
    ).toEqual(EXPECTED_ADDED);
    expect(await dumpDatabase(db)).toEqual(before);
  });

  it('imports into the caller’s account; the same file again changes nothing', async () => {
    const answer = await post(loadSample());
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.data.dry_run).toBe(false);
    expect(answer.body.data.warnings).toHaveLength(1);
    expect(await countUserRows(db, dave.userId)).toEqual(EXPECTED_TOTALS);
    expect(await countUserRows(db, erin.userId)).toMatchObject({ contacts: 1, folders: 4, notes: 0 });

    const again = await post(loadSample());
    expect(again.status).toBe(200);
    expect(
      again.body.data.tables.filter((row: { added: number; updated: number }) => row.added + row.updated > 0),
    ).toEqual([]);
  });

  it('refuses a body over 15 MB with PAYLOAD_TOO_LARGE', async () => {
    const huge = { ...loadSample(), padding: 'x'.repeat(15 * 1024 * 1024 + 1) };
    expectErrorEnvelope(await post(huge), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('GET /api/v1/export', () => {
  it("answers the caller's data as a file that imports back", async () => {
    const answer = await request(server.url, 'GET', '/api/v1/export', { token: dave.accessToken });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toMatch(
      /^attachment; filename="framelord-export-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(answer.body.framelord_notes).toHaveLength(29);
    expect(answer.body.framelord_contacts[0].id).toBe('contact_zero');

    const other = await request(server.url, 'GET', '/api/v1/export', { token: erin.accessToken });
    expect(other.body.framelord_contacts).toHaveLength(1);
    expect(other.body.framelord_notes).toEqual([]);

    const back = await post(answer.body, { token: erin.accessToken });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(await countUserRows(db, erin.userId)).toEqual(EXPECTED_TOTALS);
  });

  it('needs a signed-in user', async () => {
    expectErrorEnvelope(await request(server.url, 'GET', '/api/v1/export'), 401, 'UNAUTHORIZED');
  });
});
