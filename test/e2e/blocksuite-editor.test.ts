// The stock BlockSuite 0.19 editor (demo/) in Debian's Chromium against the real server: real
// keystrokes, real clipboard, real WebSockets. A screenshot of every open window is kept in
// test-results/ after each scenario, whatever its outcome.
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { registerUser } from '../helpers/auth.ts';
import { ensureDemoBuilt, launchChromium } from '../helpers/browser.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { DemoDevice } from './demo-page.ts';

// Extraction runs a debounce after the last edit; keep it short so the panel follows quickly.
const SERVER_ENV = { STORE_DEBOUNCE_MS: '150' };
const SCENARIO_TIMEOUT = 150_000;

let server: TestServer;
let browser: Browser;
const devices: DemoDevice[] = [];

async function device(name: string): Promise<DemoDevice> {
  const opened = await DemoDevice.open(browser, server.url, name);
  devices.push(opened);
  return opened;
}

function credentials(label: string) {
  return { email: `${label}-${randomUUID()}@example.com`, password: `pw-${randomUUID()}`, fullName: `E2E ${label}` };
}

/** Polls a REST read until `check` accepts it (extraction and storing happen a debounce later). */
async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await read();
  }
  return last;
}

async function signedIn(label: string) {
  const user = await registerUser(server.url, { full_name: `E2E ${label}` });
  return user;
}

async function noteSnapshotText(token: string, noteId: string): Promise<string> {
  const response = await request(server.url, 'GET', `/api/v1/notes/${noteId}`, { token });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const snapshot = response.body.data.blocksuite_snapshot as { title?: string; text?: string } | null;
  return `${snapshot?.title ?? ''}\n${snapshot?.text ?? ''}`;
}

function ids(list: unknown): string[] {
  expect(Array.isArray(list), JSON.stringify(list)).toBe(true);
  return (list as { note_id: string }[]).map((item) => item.note_id);
}

beforeAll(async () => {
  await ensureDemoBuilt();
  server = await startTestServer(SERVER_ENV);
  browser = await launchChromium();
}, 600_000);

afterEach(async (context) => {
  const scenario = context.task.name
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()
    .slice(0, 60);
  for (const opened of devices.splice(0)) {
    await opened.screenshot(scenario).catch(() => undefined);
    expect(opened.pageErrors, `uncaught errors in ${opened.name}`).toEqual([]);
    await opened.close().catch(() => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe('BlockSuite editor in Chromium against the server', () => {
  test(
    'two devices of one user edit one note live, and both carry on after a server restart',
    async () => {
      const who = credentials('devices');
      const laptop = await device('laptop');
      await laptop.signUp(who.email, who.password, who.fullName);
      const noteId = await laptop.createNote('Shared across devices');
      await laptop.typeAtEnd('Typed on the laptop.');

      const phone = await device('phone');
      await phone.logIn(who.email, who.password);
      await phone.page.click(`#notes li[data-note-id="${noteId}"] a`);
      await phone.waitForEditor('Shared across devices');
      await phone.waitForEditorText('Typed on the laptop.');

      await phone.typeAtEnd(' Typed on the phone.');
      await laptop.waitForEditorText('Typed on the phone.');
      await laptop.waitForIndicator('synced');
      await phone.waitForIndicator('synced');

      // Both windows lose the server, then find the restarted one on the same port.
      const port = server.server.port;
      await server.stop();
      await laptop.waitForIndicator('offline');
      await phone.waitForIndicator('offline');
      server = await server.restart({ ...SERVER_ENV, PORT: String(port) });
      await laptop.waitForIndicator('synced', 60_000);
      await phone.waitForIndicator('synced', 60_000);

      await laptop.typeAtEnd(' After the restart.');
      await phone.waitForEditorText('After the restart.');
      await phone.typeAtEnd(' Phone again.');
      await laptop.waitForEditorText('Phone again.');
      await laptop.waitForIndicator('synced');
      await phone.waitForIndicator('synced');

      // A fresh load reads everything back from the server's database.
      await phone.page.reload();
      await phone.waitForEditor('Shared across devices');
      const text = await phone.editorText();
      for (const piece of ['Typed on the laptop.', 'Typed on the phone.', 'After the restart.', 'Phone again.'])
        expect(text).toContain(piece);

      const token = (
        await request(server.url, 'POST', '/api/v1/auth/login', { body: { email: who.email, password: who.password } })
      ).body.data.access_token;
      await eventually(
        () => noteSnapshotText(token, noteId),
        (stored) => stored.includes('Phone again.'),
        'the stored snapshot',
      );
    },
    SCENARIO_TIMEOUT,
  );

  test(
    'typing [[ and picking a note in the doc picker stores a native reference: links, backlinks and the panel follow',
    async () => {
      const user = await signedIn('picker');
      const target = await request(server.url, 'POST', '/api/v1/notes', {
        token: user.accessToken,
        body: { title: 'Apollo Program' },
      });
      expect(target.status, JSON.stringify(target.body)).toBe(201);
      const source = await request(server.url, 'POST', '/api/v1/notes', {
        token: user.accessToken,
        body: { title: 'Mission Log' },
      });
      expect(source.status, JSON.stringify(source.body)).toBe(201);
      const targetId: string = target.body.data.id;
      const sourceId: string = source.body.data.id;

      const desk = await device('desk');
      await desk.logIn(user.email, user.password);
      await desk.openNote(sourceId, 'Mission Log');
      await desk.typeAtEnd('Next stop: [[Apol');
      // BlockSuite turns `[[` into its doc picker, which lists the user's notes by title.
      const picker = desk.page.locator('affine-linked-doc-popover');
      await picker.getByText('Link to Doc').waitFor();
      // The first entry is the matching note, preselected; Enter picks it as a person would.
      await picker.getByText('Apollo Program', { exact: true }).waitFor();
      await desk.screenshot('doc-picker-open');
      await desk.page.keyboard.press('Enter');
      await desk.page.locator('affine-editor-container affine-reference').first().waitFor();
      await desk.waitForIndicator('synced');

      await desk.page.locator(`#links li[data-note-id="${targetId}"]`).waitFor({ timeout: 20_000 });
      expect(await desk.page.locator(`#links li[data-note-id="${targetId}"]`).innerText()).toContain('Apollo Program');

      const links = await eventually(
        () => request(server.url, 'GET', `/api/v1/notes/${sourceId}/links`, { token: user.accessToken }),
        (response) => response.status === 200 && ids(response.body.data).includes(targetId),
        'the link in REST',
      );
      expect(ids(links.body.data)).toEqual([targetId]);
      const backlinks = await request(server.url, 'GET', `/api/v1/notes/${targetId}/backlinks`, {
        token: user.accessToken,
      });
      expect(ids(backlinks.body.data)).toEqual([sourceId]);

      // The stored document holds a reference (a LinkedPage to the target's doc id), not `[[` text.
      const stored = await request(server.url, 'GET', `/api/v1/notes/${sourceId}`, { token: user.accessToken });
      expect(JSON.stringify(stored.body.data.blocksuite_snapshot)).not.toContain('[[Apol');

      // Following the link in the panel opens the target, whose panel lists the source as a backlink.
      await desk.page.click(`#links li[data-note-id="${targetId}"]`);
      await desk.waitForEditor('Apollo Program');
      await desk.page.locator(`#backlinks li[data-note-id="${sourceId}"]`).waitFor({ timeout: 20_000 });
      expect(await desk.page.locator(`#backlinks li[data-note-id="${sourceId}"]`).innerText()).toContain('Mission Log');
    },
    SCENARIO_TIMEOUT,
  );

  test(
    'choosing "Create … doc" in the picker makes a new note on the server, linked from the source',
    async () => {
      const user = await signedIn('create');
      const desk = await device('desk');
      await desk.logIn(user.email, user.password);
      const sourceId = await desk.createNote('Quarterly goals');
      await desk.typeAtEnd('Next: [[Hiring Plan');
      const picker = desk.page.locator('affine-linked-doc-popover');
      // No note matches yet, so the preselected entry is BlockSuite's "Create … doc".
      await picker.getByText(/^Create ".*" doc$/).waitFor();
      await desk.page.keyboard.press('Enter');
      await desk.page.locator('affine-editor-container affine-reference').first().waitFor();
      await desk.waitForIndicator('synced');

      // The new doc reached the server under its BlockSuite id; its page title names the note.
      const created = await eventually(
        () => request(server.url, 'GET', '/api/v1/notes?per_page=100', { token: user.accessToken }),
        (response) => (response.body.data as { title: string | null }[]).some((note) => note.title === 'Hiring Plan'),
        'the note made by the picker',
      );
      const hiring = (created.body.data as { id: string; title: string | null; blocksuite_doc_id: string }[]).find(
        (note) => note.title === 'Hiring Plan',
      )!;
      expect(hiring.blocksuite_doc_id).toMatch(/^[A-Za-z0-9_-]{10}$/);
      await desk.page.locator(`#links li[data-note-id="${hiring.id}"]`).waitFor({ timeout: 20_000 });
      await desk.page.locator(`#notes li[data-note-id="${hiring.id}"]`).waitFor({ timeout: 20_000 });
      const links = await request(server.url, 'GET', `/api/v1/notes/${sourceId}/links`, { token: user.accessToken });
      expect(ids(links.body.data)).toEqual([hiring.id]);
    },
    SCENARIO_TIMEOUT,
  );

  test(
    'a pasted [[Some Topic]] becomes a topic of the note',
    async () => {
      const user = await signedIn('topic');
      const desk = await device('desk');
      await desk.logIn(user.email, user.password);
      const noteId = await desk.createNote('Reading list');
      await desk.typeAtEnd('Filed under ');
      await desk.paste('[[Some Topic]]');
      await desk.waitForEditorText('[[Some Topic]]');
      await desk.waitForIndicator('synced');

      await desk.page.locator('#topics li[data-key="some-topic"]').waitFor({ timeout: 20_000 });
      expect(await desk.page.locator('#topics li[data-key="some-topic"]').innerText()).toBe('Some Topic');
      const topics = await request(server.url, 'GET', '/api/v1/topics', { token: user.accessToken });
      expect(topics.status).toBe(200);
      const topic = (topics.body.data as { slug: string; label: string }[]).find(
        (candidate) => candidate.slug === 'some-topic',
      );
      expect(topic?.label).toBe('Some Topic');
      expect(await noteSnapshotText(user.accessToken, noteId)).toContain('Filed under [[Some Topic]]');
    },
    SCENARIO_TIMEOUT,
  );

  test(
    'edits typed offline land when the device is back online, and the indicator returns to synced',
    async () => {
      const user = await signedIn('offline');
      const train = await device('train');
      await train.logIn(user.email, user.password);
      const noteId = await train.createNote('Written on a train');
      await train.typeAtEnd('Before the tunnel.');
      await train.waitForIndicator('synced');

      await train.context.setOffline(true);
      await train.waitForIndicator('offline');
      await train.typeAtEnd(' Inside the tunnel.');
      // Nothing can reach the server: the indicator says so and the server has only the first part.
      await train.waitForIndicator('offline');
      expect(await train.page.textContent('#sync-indicator')).toMatch(/waiting/);
      await train.screenshot('offline-while-offline');
      expect(await noteSnapshotText(user.accessToken, noteId)).not.toContain('Inside the tunnel.');

      await train.context.setOffline(false);
      await train.waitForIndicator('synced', 60_000);
      await eventually(
        () => noteSnapshotText(user.accessToken, noteId),
        (stored) => stored.includes('Before the tunnel. Inside the tunnel.'),
        'the offline edit on the server',
      );
    },
    SCENARIO_TIMEOUT,
  );

  test(
    "a second user can't open the first user's note by its URL",
    async () => {
      const owner = await signedIn('owner');
      const note = await request(server.url, 'POST', '/api/v1/notes', {
        token: owner.accessToken,
        body: { title: 'Private plans' },
      });
      expect(note.status, JSON.stringify(note.body)).toBe(201);
      const { id: noteId, blocksuite_doc_id: docId } = note.body.data as { id: string; blocksuite_doc_id: string };

      const stranger = await signedIn('stranger');
      const other = await device('stranger');
      await other.logIn(stranger.email, stranger.password);

      // By note URL: the REST read answers 404, as for a note that does not exist.
      await other.gotoNote(noteId);
      await other.waitForIndicator('refused');
      expect(await other.page.locator('#note-error').innerText()).toMatch(/not found/i);
      expect(await other.page.locator('affine-editor-container').count()).toBe(0);

      // By document name, straight to the collaboration server: refused like a bad token.
      await other.page.goto('about:blank');
      await other.page.goto(`${server.url}/demo/#/doc/${docId}`);
      await other.waitForIndicator('refused');
      expect(await other.page.locator('#note-error').innerText()).toMatch(/can't be opened/i);
      expect(await other.page.locator('affine-editor-container').count()).toBe(0);

      const untouched = await request(server.url, 'GET', `/api/v1/notes/${noteId}`, { token: owner.accessToken });
      expect(untouched.body.data.title).toBe('Private plans');
      const theirs = await request(server.url, 'GET', '/api/v1/notes', { token: stranger.accessToken });
      expect((theirs.body.data as { id: string }[]).map((row) => row.id)).not.toContain(noteId);
    },
    SCENARIO_TIMEOUT,
  );
});
