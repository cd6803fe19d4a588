// docs/blobs.md, "Import and export": the FrameLord app's legacy note attachments (data URLs)
// become blobs plus image blocks (attachment blocks for other files) at the end of the note's
// document, and export writes them back.
// Real server (both engines), real HTTP import and export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { importedId, loadSample } from '../import/support.ts';
import { getBlob, keyOf } from './support.ts';

let server: TestServer;
let alice: RegisteredUser;

const SOURCE_NOTE = 'note-1764263120934';
const sampleAttachment = () => {
  const note = loadSample().framelord_notes.find((entry: { id: string }) => entry.id === SOURCE_NOTE);
  return note.attachments[0] as { dataUrl: string; mimeType: string; filename: string };
};
const bytesOfDataUrl = (dataUrl: string) => Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');

/** The last block of the note's body in a document as GET /notes/:id hands it over (base64). */
function lastBlockOf(documentBase64: string): Y.Map<unknown> | undefined {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Buffer.from(documentBase64, 'base64'));
  const blocks = doc.getMap<Y.Map<unknown>>('blocks');
  const noteBlock = [...blocks.values()].find((block) => block.get('sys:flavour') === 'affine:note');
  const children = noteBlock?.get('sys:children') as Y.Array<string> | undefined;
  return blocks.get(children?.toArray().at(-1) ?? '');
}

beforeAll(async () => {
  server = await startTestServer();
  alice = await registerUser(server.url);
});
afterAll(async () => server?.destroy());

describe('import of a note attachment', () => {
  it('a dry run reports the blob and stores nothing', async () => {
    const answer = await request(server.url, 'POST', '/api/v1/import?dry_run=true', {
      token: alice.accessToken,
      body: loadSample(),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const row = answer.body.data.tables.find((table: { table: string }) => table.table === 'blobs');
    expect(row).toMatchObject({ added: 1, unchanged: 0 });
    const usage = await request(server.url, 'GET', '/api/v1/blobs/usage', { token: alice.accessToken });
    expect(usage.body.data.blob_count).toBe(0);
  });

  it('stores the bytes as a blob the note references, with an image block at the end of its document', async () => {
    const attachment = sampleAttachment();
    const bytes = bytesOfDataUrl(attachment.dataUrl);
    const key = keyOf(bytes);
    const answer = await request(server.url, 'POST', '/api/v1/import', {
      token: alice.accessToken,
      body: loadSample(),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);

    const blob = await getBlob(server.url, alice.accessToken, key);
    expect(blob.status).toBe(200);
    expect(blob.bytes.equals(bytes)).toBe(true);
    expect(blob.headers.get('content-type')).toBe(attachment.mimeType);

    const noteId = await importedId(server.server.services.db, alice.userId, 'notes', SOURCE_NOTE);
    const note = await request(server.url, 'GET', `/api/v1/notes/${noteId}`, { token: alice.accessToken });
    expect(note.body.data.blob_keys).toEqual([key]);
    const last = lastBlockOf(note.body.data.blocksuite_doc);
    expect(last?.get('sys:flavour')).toBe('affine:image');
    expect(last?.get('prop:sourceId')).toBe(key);

    // A second import stores nothing new.
    const again = await request(server.url, 'POST', '/api/v1/import', { token: alice.accessToken, body: loadSample() });
    expect(again.body.data.tables.find((table: { table: string }) => table.table === 'blobs')).toMatchObject({
      added: 0,
      unchanged: 1,
    });
    const usage = await request(server.url, 'GET', '/api/v1/blobs/usage', { token: alice.accessToken });
    expect(usage.body.data).toMatchObject({ blob_count: 1, used_bytes: bytes.length });
  });

  it('export writes the attachment back as a data URL, and importing the export into another account keeps it', async () => {
    const attachment = sampleAttachment();
    const exported = await request(server.url, 'GET', '/api/v1/export', { token: alice.accessToken });
    expect(exported.status).toBe(200);
    const noteId = await importedId(server.server.services.db, alice.userId, 'notes', SOURCE_NOTE);
    const record = exported.body.framelord_notes.find((entry: { id: string }) => entry.id === SOURCE_NOTE);
    expect(record, `note ${noteId}`).toBeDefined();
    expect(record.attachments).toEqual([
      expect.objectContaining({ type: 'image', dataUrl: attachment.dataUrl, mimeType: attachment.mimeType }),
    ]);
    // The image is an attachment, not an empty line of the note's content.
    const original = loadSample().framelord_notes.find((entry: { id: string }) => entry.id === SOURCE_NOTE);
    expect(record.content.split('\n').length).toBeLessThanOrEqual(String(original.content).split('\n').length + 1);

    const bob = await registerUser(server.url);
    const imported = await request(server.url, 'POST', '/api/v1/import', {
      token: bob.accessToken,
      body: exported.body,
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    const key = keyOf(bytesOfDataUrl(attachment.dataUrl));
    expect((await getBlob(server.url, bob.accessToken, key)).status).toBe(200);
  });

  it('a file that is not an image becomes an attachment block, and export writes it back', async () => {
    const dave = await registerUser(server.url);
    const pdf = Buffer.from('%PDF-1.4\n% a small document\n%%EOF\n');
    const dataUrl = `data:application/pdf;base64,${pdf.toString('base64')}`;
    const file = loadSample();
    const source = file.framelord_notes.find((entry: { id: string }) => entry.id === SOURCE_NOTE);
    source.attachments.push({
      id: 'attachment-pdf',
      type: 'file',
      dataUrl,
      filename: 'minutes.pdf',
      mimeType: 'application/pdf',
      createdAt: source.createdAt,
    });
    const answer = await request(server.url, 'POST', '/api/v1/import', { token: dave.accessToken, body: file });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.data.tables.find((table: { table: string }) => table.table === 'blobs')).toMatchObject({
      added: 2,
    });

    const key = keyOf(pdf);
    const blob = await getBlob(server.url, dave.accessToken, key);
    expect(blob.bytes.equals(pdf)).toBe(true);
    expect(blob.headers.get('content-type')).toBe('application/pdf');
    const noteId = await importedId(server.server.services.db, dave.userId, 'notes', SOURCE_NOTE);
    const note = await request(server.url, 'GET', `/api/v1/notes/${noteId}`, { token: dave.accessToken });
    expect(note.body.data.blob_keys).toContain(key);
    const last = lastBlockOf(note.body.data.blocksuite_doc);
    expect(last?.get('sys:flavour')).toBe('affine:attachment');
    expect(last?.get('prop:sourceId')).toBe(key);
    expect(last?.get('prop:name')).toBe('minutes.pdf');
    expect(last?.get('prop:size')).toBe(pdf.length);
    expect(last?.get('prop:type')).toBe('application/pdf');

    const exported = await request(server.url, 'GET', '/api/v1/export', { token: dave.accessToken });
    const record = exported.body.framelord_notes.find((entry: { id: string }) => entry.id === SOURCE_NOTE);
    expect(record.attachments.at(-1)).toEqual(
      expect.objectContaining({ type: 'file', dataUrl, filename: 'minutes.pdf', mimeType: 'application/pdf' }),
    );
  });

  it('refuses a malformed attachment data URL before writing anything', async () => {
    const carol = await registerUser(server.url);
    const file = loadSample();
    file.framelord_notes.find((entry: { id: string }) => entry.id === SOURCE_NOTE).attachments[0].dataUrl =
      'data:image/png;base64,not base64!';
    const answer = await request(server.url, 'POST', '/api/v1/import', { token: carol.accessToken, body: file });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_ERROR');
    expect(answer.body.error.message).toContain(SOURCE_NOTE);
    const notes = await request(server.url, 'GET', '/api/v1/notes', { token: carol.accessToken });
    expect(notes.body.meta.total).toBe(0);
    const usage = await request(server.url, 'GET', '/api/v1/blobs/usage', { token: carol.accessToken });
    expect(usage.body.data.blob_count).toBe(0);
  });
});
