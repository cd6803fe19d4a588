// GET /api/v1/export streams its answer: an account with large attachments, a data-URL avatar and
// banner, a long description and a note image exports complete and valid (the import accepts it,
// every file is the same bytes), sent in pieces as it is read instead of built whole in memory.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { apiFor, ok } from '../resources/world.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

const dataUrlOf = (bytes: number, mime = 'application/octet-stream') =>
  `data:${mime};base64,${randomBytes(bytes).toString('base64')}`;

it('streams an account with large attachments, complete and valid', async () => {
  const user = await registerUser(server.url);
  const api = apiFor(server.url, user.accessToken);
  const avatar = dataUrlOf(300_000, 'image/png');
  const contact = await ok(
    api.post('/contacts', {
      full_name: 'Grace',
      relationship_domain: 'business',
      relationship_role: 'client',
      avatar_url: avatar,
    }),
  );
  const files = new Map<string, string>();
  for (let index = 0; index < 3; index += 1) {
    const big = dataUrlOf(2_000_000);
    const small = 'data:text/plain;base64,aGVsbG8=';
    const created = await ok(
      api.post('/interactions', {
        contact_id: contact.id,
        type: 'meeting',
        summary: `Meeting ${index}`,
        occurred_at: new Date(Date.UTC(2025, 0, index + 1)).toISOString(),
        attachments: [
          { file_name: `big-${index}.bin`, mime_type: 'application/octet-stream', data_url: big },
          { file_name: `small-${index}.txt`, mime_type: 'text/plain', data_url: small },
        ],
      }),
    );
    files.set(`big-${index}.bin`, big);
    files.set(`small-${index}.txt`, small);
    expect(created.attachments).toHaveLength(2);
  }
  const description = 'A long description. '.repeat(3000);
  const projectFile = dataUrlOf(1_000_000, 'application/pdf');
  await ok(
    api.post('/projects', {
      name: 'Big project',
      primary_contact_id: contact.id,
      description,
      attachments: [{ file_name: 'plan.pdf', mime_type: 'application/pdf', data_url: projectFile }],
    }),
  );
  const banner = dataUrlOf(200_000, 'image/jpeg');
  await ok(api.post('/groups', { name: 'Banner group', banner_url: banner }));
  // A note image: the import makes it a blob and an image block; the export reads the blob back.
  const image = dataUrlOf(1_500_000, 'image/png');
  const imported = await request(server.url, 'POST', '/api/v1/import', {
    token: user.accessToken,
    body: {
      framelord_notes: [
        {
          id: 'note-with-image',
          title: 'With an image',
          createdAt: '2025-02-01T00:00:00.000Z',
          content: 'Look at this',
          attachments: [{ id: 'img', type: 'image', dataUrl: image, filename: 'photo.png', mimeType: 'image/png' }],
        },
      ],
    },
  });
  expect(imported.status, JSON.stringify(imported.body)).toBe(200);

  const response = await fetch(`${server.url}/api/v1/export`, {
    headers: { authorization: `Bearer ${user.accessToken}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="framelord-export-.*\.json"/);
  // Sent as it is produced (chunked), not as one body of known length.
  expect(response.headers.get('content-length')).toBeNull();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  expect(chunks.length).toBeGreaterThan(10);
  const text = Buffer.concat(chunks).toString('utf8');
  const file = JSON.parse(text);

  const grace = file.framelord_contacts.find((record: any) => record.fullName === 'Grace');
  expect(grace.avatarUrl).toBe(avatar);
  expect(file.interactions).toHaveLength(3);
  const exportedFiles = new Map<string, string>(
    file.interactions.flatMap((record: any) =>
      record.attachments.map((attachment: any) => [attachment.fileName, attachment.dataUrl]),
    ),
  );
  expect(exportedFiles).toEqual(files);
  expect(file.interactions.map((record: any) => record.summary)).toEqual(['Meeting 2', 'Meeting 1', 'Meeting 0']);
  const [project] = file.projects;
  expect(project.description).toBe(description);
  expect(project.attachments.map((attachment: any) => attachment.dataUrl)).toEqual([projectFile]);
  expect(file.groups.find((record: any) => record.name === 'Banner group').bannerUrl).toBe(banner);
  const [note] = file.framelord_notes;
  expect(note.attachments).toHaveLength(1);
  expect(note.attachments[0]).toMatchObject({ type: 'image', mimeType: 'image/png' });
  expect(note.attachments[0].dataUrl).toBe(image);

  // What the export wrote is a file the import takes back as it is.
  const other = await registerUser(server.url);
  const dryRun = await request(server.url, 'POST', '/api/v1/import?dry_run=true', {
    token: other.accessToken,
    rawBody: text,
  });
  expect(dryRun.status, JSON.stringify(dryRun.body).slice(0, 500)).toBe(200);
  expect(dryRun.body.data.records).toMatchObject({ framelord_notes: 1, interactions: 3, projects: 1, groups: 1 });
});

it('needs a token', async () => {
  const response = await request(server.url, 'GET', '/api/v1/export');
  expect(response.status).toBe(401);
});
