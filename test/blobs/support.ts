// Helpers of the blob tests: keys as BlockSuite computes them, raw uploads and downloads over real
// HTTP, and notes whose documents use blobs.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { expect } from 'vitest';
import * as Y from 'yjs';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { eventually } from '../helpers/collab.ts';
import { request } from '../helpers/http.ts';

/** BlockSuite 0.19's `sha`: standard base64 of SHA-256, `+` → `-`, `/` → `_`, padding kept. */
export const keyOf = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('base64').replaceAll('+', '-').replaceAll('/', '_');

export const bytesOf = (size: number): Buffer => randomBytes(size);

export interface BinaryResponse {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json: any;
}

export async function send(
  baseUrl: string,
  method: string,
  path: string,
  token: string,
  options: { body?: Uint8Array | ReadableStream<Uint8Array>; headers?: Record<string, string> } = {},
): Promise<BinaryResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...options.headers },
    body: options.body as BodyInit | undefined,
    ...(options.body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const bytes = Buffer.from(await response.arrayBuffer());
  let json: unknown;
  if (bytes.length > 0 && response.headers.get('content-type')?.includes('application/json'))
    json = JSON.parse(bytes.toString('utf8'));
  return { status: response.status, headers: response.headers, bytes, json };
}

export const putBlob = (baseUrl: string, token: string, bytes: Uint8Array, type = 'image/png', key = keyOf(bytes)) =>
  send(baseUrl, 'PUT', `/api/v1/blobs/${key}`, token, { body: bytes, headers: { 'content-type': type } });

export const getBlob = (baseUrl: string, token: string, key: string, headers: Record<string, string> = {}) =>
  send(baseUrl, 'GET', `/api/v1/blobs/${key}`, token, { headers });

/** A body without Content-Length (chunked), handed over piece by piece. */
export function chunkedBody(pieces: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[index++];
      if (piece) controller.enqueue(piece);
      else controller.close();
    },
  });
}

/**
 * A request the server may refuse before reading the whole body: it answers at once and then closes
 * the connection rather than read what it will not store, and a client still sending may see only
 * the close. Answers the response, or 'closed'.
 */
export async function sendRefusable(...args: Parameters<typeof send>): Promise<BinaryResponse | 'closed'> {
  try {
    return await send(...args);
  } catch (error) {
    if (error instanceof TypeError && /fetch failed/.test(error.message)) return 'closed';
    throw error;
  }
}

/**
 * A raw PUT declaring `total` bytes of which `first` are sent now; the caller ends or cuts the
 * request. `answered` settles with the response, which may come before the body is complete.
 */
export function startUpload(
  baseUrl: string,
  user: { accessToken: string },
  key: string,
  total: number,
  first: Uint8Array,
) {
  const target = new URL(`${baseUrl}/api/v1/blobs/${key}`);
  const req = http.request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'PUT',
    headers: {
      authorization: `Bearer ${user.accessToken}`,
      'content-type': 'application/octet-stream',
      'content-length': String(total),
    },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (response) => {
      let body = '';
      response.on('data', (piece: Buffer) => (body += piece.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
  req.write(first);
  return { req, answered };
}

/** What the server answers to a declared size alone (a few bytes sent, the rest never). */
export async function answerToDeclaredSize(baseUrl: string, user: { accessToken: string }, key: string, total: number) {
  const upload = startUpload(baseUrl, user, key, total, new Uint8Array(8));
  try {
    const answer = await upload.answered;
    return { status: answer.status, json: JSON.parse(answer.body) };
  } finally {
    upload.req.destroy();
  }
}

/** A note whose document the test edits as a client would, sending each change as a Yjs update. */
export async function createNoteWithDocument(baseUrl: string, user: { accessToken: string }, title: string) {
  const created = await request(baseUrl, 'POST', '/api/v1/notes', { token: user.accessToken, body: { title } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const noteId: string = created.body.data.id;
  const doc = buildBlockSuiteDocument(title, ['Screenshots below']);
  let synced = Y.encodeStateVector(new Y.Doc());
  const push = async () => {
    const update = Y.encodeStateAsUpdate(doc, synced);
    synced = Y.encodeStateVector(doc);
    const response = await request(baseUrl, 'POST', `/api/v1/notes/${noteId}/doc`, {
      token: user.accessToken,
      body: { update: Buffer.from(update).toString('base64') },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  };
  await push();
  return { noteId, doc, push };
}

export const blobKeysOf = async (baseUrl: string, user: { accessToken: string }, noteId: string): Promise<string[]> =>
  (await request(baseUrl, 'GET', `/api/v1/notes/${noteId}`, { token: user.accessToken })).body.data.blob_keys;

/** Waits until the note's `blob_keys` (stored after the store debounce) are `keys`. */
export const waitForBlobKeys = (baseUrl: string, user: { accessToken: string }, noteId: string, keys: string[]) =>
  eventually(
    async () => JSON.stringify(await blobKeysOf(baseUrl, user, noteId)) === JSON.stringify([...keys].sort()),
    20_000,
    `blob_keys ${keys.join(',')}`,
  );

/** Removes the image/attachment blocks whose sourceId is `key`, as an editor deleting them would. */
export function removeBlocksOf(doc: Y.Doc, key: string): void {
  const blocks = doc.getMap<Y.Map<unknown>>('blocks');
  doc.transact(() => {
    for (const [id, block] of blocks) {
      if (block.get('prop:sourceId') !== key) continue;
      for (const parent of blocks.values()) {
        const children = parent.get('sys:children');
        if (!(children instanceof Y.Array)) continue;
        const index = children.toArray().indexOf(id);
        if (index >= 0) children.delete(index, 1);
      }
      blocks.delete(id);
    }
  });
}
