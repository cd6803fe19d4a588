import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DATA_URL_BYTES } from '../../src/domain/resources/data-url.ts';
import { MAX_ATTACHMENT_CHARS } from '../../src/domain/resources/nested/attachments.ts';
import { expectErrorEnvelope } from '../helpers/envelope.ts';
import type { TestServer } from '../helpers/server.ts';
import { ok, startServerWithWorlds, type World } from './world.ts';

let server: TestServer;
let world: World;

beforeAll(async () => {
  [server, world] = await startServerWithWorlds(1);
});
afterAll(async () => server?.destroy());

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const dataUrlOfBytes = (bytes: number, mime = 'application/octet-stream') =>
  `data:${mime};base64,${Buffer.alloc(bytes, 7).toString('base64')}`;

const parents = [
  {
    path: 'interactions',
    body: (w: World) => ({
      contact_id: w.contactId,
      type: 'meeting',
      summary: 'With files',
      occurred_at: '2025-01-01T00:00:00.000Z',
    }),
  },
  { path: 'projects', body: (w: World) => ({ name: 'With files', primary_contact_id: w.contactId }) },
];

describe.each(parents)('/$path attachments', ({ path, body }) => {
  it('stores inline attachments; single reads carry the bodies, lists only with ?include=attachments', async () => {
    const created = await ok(
      world.api.post(`/${path}`, {
        ...body(world),
        attachments: [
          { file_name: 'pixel.png', mime_type: 'image/png', data_url: PNG },
          { file_name: 'note.txt', mime_type: 'text/plain', data_url: 'data:text/plain;charset=utf-8,hello%20world' },
          { file_name: 'plain.txt', mime_type: 'text/plain', data_url: 'data:,no%20type%20means%20text' },
        ],
      }),
    );
    expect(created.attachments).toHaveLength(3);
    expect(created.attachments[0]).toMatchObject({ file_name: 'pixel.png', mime_type: 'image/png', data_url: PNG });
    if (path === 'projects')
      for (const attachment of created.attachments) expect(attachment.uploaded_by).toBe(world.contactZeroId);
    expect((await ok(world.api.get(`/${path}/${created.id}`), 200)).attachments[0].data_url).toBe(PNG);

    const listed = (await ok(world.api.get(`/${path}?per_page=100`), 200)).find(
      (row: { id: string }) => row.id === created.id,
    );
    expect(listed.attachments.map((attachment: Record<string, unknown>) => attachment.file_name)).toEqual([
      'pixel.png',
      'note.txt',
      'plain.txt',
    ]);
    for (const attachment of listed.attachments) expect(attachment).not.toHaveProperty('data_url');
    const included = (await ok(world.api.get(`/${path}?per_page=100&include=attachments`), 200)).find(
      (row: { id: string }) => row.id === created.id,
    );
    expect(included.attachments[0].data_url).toBe(PNG);
  });

  it('keeps a stored file when an item names its id without data_url (a list item sent back)', async () => {
    const created = await ok(
      world.api.post(`/${path}`, {
        ...body(world),
        attachments: [{ file_name: 'pixel.png', mime_type: 'image/png', data_url: PNG }],
      }),
    );
    const listed = (await ok(world.api.get(`/${path}?per_page=100`), 200)).find(
      (row: { id: string }) => row.id === created.id,
    );
    const renamed = await ok(
      world.api.patch(`/${path}/${created.id}`, {
        attachments: [{ ...listed.attachments[0], file_name: 'renamed.png' }],
      }),
      200,
    );
    expect(renamed.attachments).toEqual([{ ...created.attachments[0], file_name: 'renamed.png' }]);
    const refused = await world.api.patch(`/${path}/${created.id}`, {
      attachments: [{ id: listed.attachments[0].id, file_name: 'x.jpg', mime_type: 'image/jpeg' }],
    });
    expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR');
    expect(refused.body.error.details[0].field).toBe('attachments.0.mime_type');
    const newWithoutBody = await world.api.patch(`/${path}/${created.id}`, {
      attachments: [{ file_name: 'x.png', mime_type: 'image/png' }],
    });
    expect(newWithoutBody.body.error.details[0].field).toBe('attachments.0.data_url');
  });

  it.each([
    ['not a data: URL', 'https://example.com/pixel.png', 'image/png'],
    ['no comma', 'data:image/png;base64', 'image/png'],
    ['bad base64', 'data:image/png;base64,@@@@', 'image/png'],
    ['base64 of a bad length', 'data:image/png;base64,iVBORw0', 'image/png'],
    ['a MIME type other than mime_type', PNG, 'image/jpeg'],
    ['a malformed percent escape', 'data:text/plain,100%', 'text/plain'],
  ])('refuses %s with 400 on attachments.N.data_url', async (_case, dataUrl, mimeType) => {
    const refused = await world.api.post(`/${path}`, {
      ...body(world),
      attachments: [
        { file_name: 'ok.png', mime_type: 'image/png', data_url: PNG },
        { file_name: 'f', mime_type: mimeType, data_url: dataUrl },
      ],
    });
    expectErrorEnvelope(refused, 400, 'VALIDATION_ERROR');
    expect(refused.body.error.details).toEqual([{ field: 'attachments.1.data_url', message: expect.any(String) }]);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a data URL over 10 MB decoded and stores nothing', async () => {
    const before = (await ok(world.api.get(`/${path}?per_page=100&include_archived=true`), 200)).length;
    const refused = await world.api.post(`/${path}`, {
      ...body(world),
      attachments: [
        {
          file_name: 'big.bin',
          mime_type: 'application/octet-stream',
          data_url: dataUrlOfBytes(MAX_DATA_URL_BYTES + 1),
        },
      ],
    });
    expectErrorEnvelope(refused, 413, 'PAYLOAD_TOO_LARGE');
    expect((await ok(world.api.get(`/${path}?per_page=100&include_archived=true`), 200)).length).toBe(before);
  });

  it('bounds what one entity carries: its data URLs together at most MAX_ATTACHMENT_CHARS, added a write at a time', async () => {
    // 9 MB files are 12 MB data URLs: two fit in 32 MiB, a third (kept ones counted) does not.
    const file = (index: number) => ({
      file_name: `part-${index}.bin`,
      mime_type: 'application/octet-stream',
      data_url: dataUrlOfBytes(9_000_000),
    });
    const created = await ok(world.api.post(`/${path}`, { ...body(world), attachments: [file(0)] }));
    const keep = (entity: { attachments: Array<Record<string, unknown>> }) =>
      entity.attachments.map(({ id, file_name, mime_type }) => ({ id, file_name, mime_type }));
    const second = await ok(
      world.api.patch(`/${path}/${created.id}`, { attachments: [...keep(created), file(1)] }),
      200,
    );
    expect(second.attachments).toHaveLength(2);
    const refused = await world.api.patch(`/${path}/${created.id}`, { attachments: [...keep(second), file(2)] });
    expectErrorEnvelope(refused, 413, 'PAYLOAD_TOO_LARGE');
    expect(refused.body.error.details).toEqual([{ field: 'attachments', message: expect.any(String) }]);
    const stored = await ok(world.api.get(`/${path}/${created.id}`), 200);
    expect(stored.attachments.map((item: { file_name: string }) => item.file_name)).toEqual([
      'part-0.bin',
      'part-1.bin',
    ]);
    expect(JSON.stringify(stored).length).toBeLessThan(MAX_ATTACHMENT_CHARS + 100_000);
  });
});

describe('data URLs in other fields', () => {
  it('accepts exactly 10 MB decoded', async () => {
    const created = await ok(
      world.api.post('/interactions', {
        ...parents[0]!.body(world),
        attachments: [
          { file_name: 'max.bin', mime_type: 'application/octet-stream', data_url: dataUrlOfBytes(MAX_DATA_URL_BYTES) },
        ],
      }),
    );
    expect(created.attachments[0].data_url.length).toBeGreaterThan(MAX_DATA_URL_BYTES);
  }, 120_000);

  it('checks avatar and banner data URLs the same way, and leaves ordinary URLs alone', async () => {
    const contact = { full_name: 'Pic', relationship_domain: 'personal', relationship_role: 'friend' };
    expect((await ok(world.api.post('/contacts', { ...contact, avatar_url: PNG }))).avatar_url).toBe(PNG);
    expect(
      (await ok(world.api.post('/contacts', { ...contact, avatar_url: 'https://example.com/a.png' }))).avatar_url,
    ).toBe('https://example.com/a.png');
    const malformed = await world.api.post('/contacts', { ...contact, avatar_url: 'data:image/png;base64,***' });
    expect(malformed.body.error.details).toEqual([{ field: 'avatar_url', message: expect.any(String) }]);
    expectErrorEnvelope(
      await world.api.post('/groups', {
        name: 'Big',
        banner_url: dataUrlOfBytes(MAX_DATA_URL_BYTES + 10, 'image/png'),
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });
});
