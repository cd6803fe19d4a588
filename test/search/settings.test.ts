// The per-user search language over real HTTP: GET/PUT /search/settings, the background re-index
// of the user's notes, and what it changes in GET /search (stemming in the chosen language).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let user: RegisteredUser;
let other: RegisteredUser;
let houses: string;

const as = (who: RegisteredUser, method: string, path: string, body?: unknown) =>
  request(server.url, method, path, { token: who.accessToken, ...(body === undefined ? {} : { body }) });
const foundIds = async (who: RegisteredUser, q: string) =>
  (await as(who, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}&types=notes`)).body.data.map(
    (hit: { id: string }) => hit.id,
  );

beforeAll(async () => {
  server = await startTestServer();
  user = await registerUser(server.url);
  other = await registerUser(server.url);
  houses = (await as(user, 'POST', '/api/v1/notes', { title: 'Häuser am See' })).body.data.id;
  await as(other, 'POST', '/api/v1/notes', { title: 'Häuser im Tal' });
}, 120_000);
afterAll(async () => server?.destroy());

describe('search language', () => {
  it('is neutral by default: accents fold, words are not stemmed', async () => {
    const settings = await as(user, 'GET', '/api/v1/search/settings');
    expect(settings.status).toBe(200);
    expect(settings.body.data).toMatchObject({
      search_language: 'neutral',
      indexed_language: 'neutral',
      reindexing: false,
    });
    expect(settings.body.data.languages).toEqual(expect.arrayContaining(['neutral', 'german', 'french', 'english']));
    expect(await foundIds(user, 'hauser ')).toEqual([houses]);
    expect(await foundIds(user, 'haus ')).toEqual([]);
  });

  it("re-indexes the user's notes in the background after a change, and stems in the new language", async () => {
    const changed = await as(user, 'PUT', '/api/v1/search/settings', { search_language: 'german' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.data.search_language).toBe('german');
    await server.server.services.searchSettings.idle();
    const settings = await as(user, 'GET', '/api/v1/search/settings');
    expect(settings.body.data).toMatchObject({
      search_language: 'german',
      indexed_language: 'german',
      reindexing: false,
    });
    expect(await foundIds(user, 'haus ')).toEqual([houses]);
    // A note created afterwards takes the language at once.
    const later = (await as(user, 'POST', '/api/v1/notes', { title: 'Die schönsten Gärten' })).body.data.id;
    expect(await foundIds(user, 'garten ')).toEqual([later]);
    // The other user's notes stay neutral.
    expect(await foundIds(other, 'haus ')).toEqual([]);
  });

  it('refuses an unknown language or an extra field with VALIDATION_ERROR', async () => {
    const unknown = await as(user, 'PUT', '/api/v1/search/settings', { search_language: 'klingon' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('VALIDATION_ERROR');
    const extra = await as(user, 'PUT', '/api/v1/search/settings', {
      search_language: 'french',
      user_id: other.userId,
    });
    expect(extra.status).toBe(400);
    const settings = await as(user, 'GET', '/api/v1/search/settings');
    expect(settings.body.data.search_language).toBe('german');
  });

  it('answers GET /notes/titles over HTTP, not as GET /notes/{id}', async () => {
    const response = await as(user, 'GET', '/api/v1/notes/titles?prefix=hau');
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.data).toEqual([{ id: houses, title: 'Häuser am See', blocksuite_doc_id: expect.any(String) }]);
    expect((await request(server.url, 'GET', '/api/v1/notes/titles?prefix=hau')).status).toBe(401);
  });
});
