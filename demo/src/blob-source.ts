// The editor's blob source is the server (docs/blobs.md): images and attachments pasted here are
// uploaded under their BlockSuite `sourceId` (the URL-safe base64 SHA-256 the server checks), and
// another device, or this one after a reload, reads them back. Shape of `BlobSource` in
// @blocksuite/sync 0.19: {name, readonly, get, set, delete, list}.
import { freshAccessToken } from './api.ts';

const BLOBS = '/api/v1/blobs';

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const token = await freshAccessToken();
  return fetch(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
}

export function serverBlobSource() {
  return {
    name: 'framelord-server',
    readonly: false,
    async get(key: string): Promise<Blob | null> {
      const response = await call(`${BLOBS}/${encodeURIComponent(key)}`);
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`blob ${key}: ${response.status}`);
      return response.blob();
    },
    async set(key: string, value: Blob): Promise<string> {
      const response = await call(`${BLOBS}/${encodeURIComponent(key)}`, {
        method: 'PUT',
        headers: { 'content-type': value.type || 'application/octet-stream' },
        body: value,
      });
      if (!response.ok) throw new Error(`blob ${key}: upload answered ${response.status}`);
      return key;
    },
    async delete(key: string): Promise<void> {
      const response = await call(`${BLOBS}/${encodeURIComponent(key)}`, { method: 'DELETE' });
      if (!response.ok && response.status !== 404) throw new Error(`blob ${key}: delete answered ${response.status}`);
    },
    async list(): Promise<string[]> {
      const keys: string[] = [];
      for (let page = 1; ; page++) {
        const response = await call(`${BLOBS}?per_page=200&page=${page}`);
        if (!response.ok) throw new Error(`blob list: ${response.status}`);
        const body = (await response.json()) as { data: { key: string }[]; meta: { total_pages: number } };
        keys.push(...body.data.map((blob) => blob.key));
        if (page >= body.meta.total_pages) return keys;
      }
    },
  };
}
