// GET /api/v1/search over real HTTP: rows written through the REST API are found as they are
// typed, the answer has the documented shape, refusals carry their codes, and each user sees only
// their own rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let ana: RegisteredUser;
let ben: RegisteredUser;
const created: Record<string, string> = {};

async function create(user: RegisteredUser, path: string, body: Record<string, unknown>): Promise<string> {
  const response = await request(server.url, 'POST', `/api/v1/${path}`, { token: user.accessToken, body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.data.id;
}

const search = (user: RegisteredUser | undefined, query: string) =>
  request(server.url, 'GET', `/api/v1/search?${query}`, user ? { token: user.accessToken } : {});

beforeAll(async () => {
  server = await startTestServer();
  ana = await registerUser(server.url);
  ben = await registerUser(server.url);
  created.note = await create(ana, 'notes', { title: 'Quarterly Pricing Review' });
  created.contact = await create(ana, 'contacts', {
    full_name: 'Zoë Prideaux',
    relationship_domain: 'business',
    relationship_role: 'client',
  });
  created.benNote = await create(ben, 'notes', { title: 'Pricing for Ben only' });
}, 120_000);
afterAll(async () => server?.destroy());

describe('GET /api/v1/search', () => {
  it('finds notes and contacts by the start of a word, best first, with highlights', async () => {
    const response = await search(ana, 'q=pri');
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const hits = response.body.data as Array<Record<string, unknown>>;
    expect(hits.map((hit) => `${hit.entity_type}:${hit.id}`).sort()).toEqual(
      [`note:${created.note}`, `contact:${created.contact}`].sort(),
    );
    const note = hits.find((hit) => hit.id === created.note);
    expect(note).toMatchObject({ title: 'Quarterly Pricing Review', title_highlights: [[10, 17]] });
    expect(note?.score).toBeGreaterThan(1);
    expect(response.body.next_cursor).toBeNull();
  });

  it('finds a note by its new title after a PATCH, and ignores accents (zoe)', async () => {
    const patched = await request(server.url, 'PATCH', `/api/v1/notes/${created.note}`, {
      token: ana.accessToken,
      body: { title: 'Annual budget' },
    });
    expect(patched.status).toBe(200);
    expect((await search(ana, 'q=budg')).body.data.map((hit: { id: string }) => hit.id)).toEqual([created.note]);
    expect((await search(ana, 'q=quarterly%20')).body.data).toEqual([]);
    expect((await search(ana, 'q=zoe')).body.data.map((hit: { id: string }) => hit.id)).toEqual([created.contact]);
  });

  it("never answers another user's rows", async () => {
    const bens = await search(ben, 'q=pricing');
    expect(bens.body.data.map((hit: { id: string }) => hit.id)).toEqual([created.benNote]);
    expect((await search(ana, 'q=ben')).body.data).toEqual([]);
  });

  it('refuses a missing token, a missing q and unknown types', async () => {
    expect((await search(undefined, 'q=pri')).status).toBe(401);
    const noQuery = await search(ana, '');
    expect(noQuery.status).toBe(400);
    expect(noQuery.body.error.code).toBe('VALIDATION_ERROR');
    const badType = await search(ana, 'q=pri&types=notes,secrets');
    expect(badType.status).toBe(400);
    expect(badType.body.error.details).toEqual([{ field: 'types', message: expect.stringContaining('secrets') }]);
  });
});
