// A REST list page also ends at LIST_MAX_PAGE_BYTES: with `?include=attachments` an interaction
// carries its files and a contact may carry a data-URL avatar, so a page bounded by count alone
// could be hundreds of megabytes built in memory. Following `links.next` skips nothing, and one
// entity bigger than the budget still travels, alone.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactions } from '../../src/db/schema/index.ts';
import { resourceFor } from '../../src/domain/resources/index.ts';
import { listSelection } from '../../src/domain/resources/list.ts';
import { registerUser } from '../helpers/auth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { apiFor, ok, type Api } from './world.ts';

const PAGE_BYTES = 150_000;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LIST_MAX_PAGE_BYTES: String(PAGE_BYTES) });
});
afterAll(async () => server?.destroy());

/** A data URL of `bytes` random (incompressible) bytes: about 4/3 as long as JSON. */
const dataUrlOf = (bytes: number, mime = 'application/octet-stream') =>
  `data:${mime};base64,${randomBytes(bytes).toString('base64')}`;

interface Page {
  data: Array<Record<string, any>>;
  meta: { page: number; per_page: number; total: number; offset: number; has_more: boolean };
  links: { next: string | null };
  bytes: number;
}

/** Every page of a list, following `links.next` as a client would. */
async function allPages(api: Api, first: string): Promise<Page[]> {
  const pages: Page[] = [];
  let path: string | null = first;
  while (path !== null) {
    const response = await api.get(path.replace(/^\/api\/v1/, ''));
    expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200);
    pages.push({ ...response.body, bytes: JSON.stringify(response.body.data).length });
    path = response.body.links.next;
    expect(pages.length).toBeLessThan(30);
  }
  return pages;
}

async function setUp() {
  const user = await registerUser(server.url);
  const api = apiFor(server.url, user.accessToken);
  const contact = await ok(
    api.post('/contacts', { full_name: 'Grace', relationship_domain: 'business', relationship_role: 'client' }),
  );
  return { api, contactId: contact.id as string };
}

describe('list pages end at the byte budget', () => {
  it('GET /interactions?include=attachments: pages end early, links.next continues, nothing is skipped', async () => {
    const { api, contactId } = await setUp();
    // 40 KB files: three fit a 150 KB page; the fifth interaction alone is bigger than a page.
    const sizes = [40_000, 40_000, 40_000, 40_000, 200_000, 40_000, 40_000];
    for (const [index, size] of sizes.entries()) {
      await ok(
        api.post('/interactions', {
          contact_id: contactId,
          type: 'meeting',
          summary: `Meeting ${index}`,
          occurred_at: new Date(Date.UTC(2025, 0, index + 1)).toISOString(),
          attachments: [
            { file_name: `file-${index}.bin`, mime_type: 'application/octet-stream', data_url: dataUrlOf(size) },
          ],
        }),
      );
    }

    // The page query knows each row's file bytes before loading them (what cuts it early).
    const weighed = await server.server.services.db
      .select(listSelection(resourceFor('interaction'), true))
      .from(interactions)
      .where(eq(interactions.user_id, (await api.get('/auth/me')).body.data.user.id));
    const weights = weighed.map((row) => Number(row.__bytes)).sort((a, b) => a - b);
    const expected = sizes.map((size) => dataUrlOf(size).length).sort((a, b) => a - b);
    expect(weights).toEqual(expected);

    // Without bodies the whole list is one page, in the list's order.
    const light = await api.get('/interactions?per_page=100');
    expect(light.body.meta).toMatchObject({ total: sizes.length, offset: 0, has_more: false });
    expect(light.body.links.next).toBeNull();
    const order = light.body.data.map((row: { id: string }) => row.id);
    expect(order).toHaveLength(sizes.length);

    const pages = await allPages(api, '/api/v1/interactions?include=attachments&per_page=100');
    expect(pages.flatMap((page) => page.data.map((row) => row.id))).toEqual(order);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const [index, page] of pages.entries()) {
      expect(page.data.length).toBeGreaterThan(0);
      // Over budget only when a single entity is itself bigger than the budget.
      if (page.data.length > 1) expect(page.bytes).toBeLessThanOrEqual(PAGE_BYTES);
      expect(page.meta.has_more).toBe(index < pages.length - 1);
      for (const row of page.data)
        expect(row.attachments[0].data_url).toMatch(/^data:application\/octet-stream;base64,/);
    }
    const alone = pages.find((page) => page.data.some((row) => row.summary === 'Meeting 4'));
    expect(alone?.data).toHaveLength(1);
    expect(alone?.bytes).toBeGreaterThan(PAGE_BYTES);
    // The continuation is an offset, the index of the first row left out.
    const firstNext = new URL(pages[0]?.links.next ?? '', server.url);
    expect(firstNext.searchParams.get('offset')).toBe(String(pages[0]?.data.length));
    expect(firstNext.searchParams.get('include')).toBe('attachments');
    expect(firstNext.searchParams.has('page')).toBe(false);
  });

  it('a page of 100 by count ends early on data-URL avatars too (contacts)', async () => {
    const { api } = await setUp();
    for (let index = 0; index < 6; index += 1) {
      await ok(
        api.post('/contacts', {
          full_name: `Avatar ${index}`,
          relationship_domain: 'business',
          relationship_role: 'client',
          avatar_url: dataUrlOf(50_000, 'image/png'),
        }),
      );
    }
    const pages = await allPages(api, '/api/v1/contacts?per_page=100&sort=full_name&order=asc');
    const names = pages.flatMap((page) => page.data.map((row) => row.full_name as string));
    // Contact Zero, Grace and the six avatars, each once, in order.
    expect(names).toHaveLength(8);
    expect(names).toEqual([...names].sort());
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages) if (page.data.length > 1) expect(page.bytes).toBeLessThanOrEqual(PAGE_BYTES);
    for (const row of pages.flatMap((page) => page.data))
      if (row.full_name.startsWith('Avatar')) expect(row.avatar_url).toMatch(/^data:image\/png;base64,/);
  });

  it('page numbers still work when nothing passes the budget, and an offset asks for any row', async () => {
    const { api, contactId } = await setUp();
    for (let index = 0; index < 5; index += 1)
      await ok(api.post('/tasks', { contact_id: contactId, title: `Task ${index}` }));
    const first = await api.get('/tasks?per_page=2');
    expect(first.body.meta).toMatchObject({ page: 1, per_page: 2, total: 5, offset: 0, has_more: true });
    expect(first.body.links.next).toMatch(/[?&]page=2(&|$)/);
    const last = await api.get('/tasks?per_page=2&page=3');
    expect(last.body.meta).toMatchObject({ page: 3, offset: 4, has_more: false });
    expect(last.body.links.next).toBeNull();
    const byOffset = await api.get('/tasks?per_page=2&offset=1');
    expect(byOffset.body.data.map((row: { id: string }) => row.id)).toEqual(
      [...first.body.data, ...(await api.get('/tasks?per_page=2&page=2')).body.data]
        .slice(1, 3)
        .map((row: { id: string }) => row.id),
    );
    expect(byOffset.body.links.next).toMatch(/[?&]offset=3(&|$)/);
    expect((await api.get('/tasks?offset=-1')).status).toBe(400);
  });
});
