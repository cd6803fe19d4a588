// docs/blobs.md: the demo's blob source is the server. An image pasted (real clipboard, real
// Ctrl+V) into the stock BlockSuite 0.19 editor on one device is uploaded, and renders on a second
// device and after a reload (the <img> has loaded: naturalWidth > 0). Chromium via .ci/install-browser.
import { deflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { registerUser } from '../helpers/auth.ts';
import { ensureDemoBuilt, launchChromium } from '../helpers/browser.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { keyOf } from '../blobs/support.ts';
import { DemoDevice } from './demo-page.ts';

const SERVER_ENV = { STORE_DEBOUNCE_MS: '150' };
const SCENARIO_TIMEOUT = 180_000;

let server: TestServer;
let browser: Browser;
const devices: DemoDevice[] = [];

/** A real 24×16 PNG (solid colour), built here so the test needs no fixture file. */
function png(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = (crcTable[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const [width, height] = [24, 16];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [200, 40, 90]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const imageLoaded = (page: Page, timeout = 60_000) =>
  page.waitForFunction(
    () =>
      [...document.querySelectorAll('affine-editor-container affine-image img, affine-editor-container img')].some(
        (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
      ),
    undefined,
    { timeout },
  );

beforeAll(async () => {
  await ensureDemoBuilt();
  server = await startTestServer(SERVER_ENV);
  browser = await launchChromium();
}, 600_000);

afterEach(async () => {
  for (const opened of devices.splice(0)) {
    await opened.screenshot('blob-image').catch(() => undefined);
    await opened.close().catch(() => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe('images in the demo editor', () => {
  test(
    'an image pasted on device A renders on device B and after a reload',
    async () => {
      const user = await registerUser(server.url, { full_name: 'E2E blobs' });
      const image = png();

      const laptop = await DemoDevice.open(browser, server.url, 'laptop');
      devices.push(laptop);
      await laptop.logIn(user.email, user.password);
      const noteId = await laptop.createNote('Screenshot note');
      await laptop.typeAtEnd('The screenshot:');
      await laptop.page.evaluate(async (base64) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        await navigator.clipboard.write([new ClipboardItem({ 'image/png': new Blob([bytes], { type: 'image/png' }) })]);
      }, image.toString('base64'));
      await laptop.page.keyboard.press('ControlOrMeta+V');
      await imageLoaded(laptop.page);

      // The bytes reached the server under BlockSuite's own key (the clipboard re-encodes the PNG,
      // so the key is the hash of what the editor pasted), and the note references them.
      const deadline = Date.now() + 30_000;
      let keys: string[] = [];
      while (Date.now() < deadline) {
        const note = await request(server.url, 'GET', `/api/v1/notes/${noteId}`, { token: user.accessToken });
        keys = note.body.data.blob_keys ?? [];
        if (keys.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(keys).toHaveLength(1);
      const key = keys[0] as string;
      const stored = await fetch(`${server.url}/api/v1/blobs/${key}`, {
        headers: { authorization: `Bearer ${user.accessToken}` },
      });
      expect(stored.status).toBe(200);
      expect(stored.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await stored.arrayBuffer());
      expect(keyOf(bytes)).toBe(key);
      expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');

      const phone = await DemoDevice.open(browser, server.url, 'phone');
      devices.push(phone);
      await phone.logIn(user.email, user.password);
      await phone.page.click(`#notes li[data-note-id="${noteId}"] a`);
      await phone.waitForEditor('Screenshot note');
      await imageLoaded(phone.page);

      await phone.page.reload();
      await phone.waitForEditor('Screenshot note');
      await imageLoaded(phone.page);
      expect(phone.pageErrors).toEqual([]);
    },
    SCENARIO_TIMEOUT,
  );
});
