// One "device": a browser context with the demo page open, and what a person does on it.
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TEST_RESULTS_DIR } from '../helpers/browser.ts';
import { testEngine } from '../helpers/database.ts';

export type IndicatorState = 'idle' | 'connecting' | 'synced' | 'unsynced' | 'offline' | 'refused';

export class DemoDevice {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly name: string;
  baseUrl: string;
  /** Uncaught page errors and CSP refusals: a healthy editor has none. */
  readonly pageErrors: string[] = [];

  private constructor(context: BrowserContext, page: Page, name: string, baseUrl: string) {
    this.context = context;
    this.page = page;
    this.name = name;
    this.baseUrl = baseUrl;
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    // A Content-Security-Policy refusal is no exception, only a console error: counted as one, so
    // every scenario also proves the page works under the policy /demo is served with.
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy'))
        this.pageErrors.push(`CSP: ${message.text()}`);
    });
  }

  static async open(browser: Browser, baseUrl: string, name: string): Promise<DemoDevice> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const device = new DemoDevice(context, page, name, baseUrl);
    await page.goto(`${baseUrl}/demo/`);
    return device;
  }

  async signUp(email: string, password: string, fullName: string): Promise<void> {
    await this.fillAuth(email, password, fullName);
    await this.page.click('#signup');
    await this.page.waitForSelector('#workspace:not([hidden])');
  }

  async logIn(email: string, password: string): Promise<void> {
    await this.fillAuth(email, password, '');
    await this.page.click('#login');
    await this.page.waitForSelector('#workspace:not([hidden])');
  }

  private async fillAuth(email: string, password: string, fullName: string): Promise<void> {
    await this.page.waitForSelector('#auth:not([hidden])');
    await this.page.fill('#auth-email', email);
    await this.page.fill('#auth-password', password);
    await this.page.fill('#auth-name', fullName);
  }

  /** Creates a note with the page's form; resolves with its id once the editor is up and synced. */
  async createNote(title: string): Promise<string> {
    const before = this.page.url();
    await this.page.fill('#new-note-title', title);
    await this.page.click('#new-note');
    await this.page.waitForURL((url) => url.href !== before && /#\/note\//.test(url.hash));
    const noteId = /#\/note\/([^/]+)$/.exec(this.page.url())![1]!;
    await this.waitForEditor(title);
    return noteId;
  }

  /** Opens a note by its URL, as a bookmark or a pasted link would. */
  async gotoNote(noteId: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}/demo/#/note/${noteId}`);
  }

  async openNote(noteId: string, title?: string): Promise<void> {
    await this.gotoNote(noteId);
    await this.waitForEditor(title);
  }

  async waitForEditor(title?: string): Promise<void> {
    await this.page.waitForSelector('affine-editor-container affine-paragraph rich-text');
    if (title !== undefined) {
      await this.page.waitForFunction(
        (expected) => document.querySelector('doc-title')?.textContent?.includes(expected),
        title,
      );
    }
    await this.waitForIndicator('synced');
  }

  async waitForIndicator(state: IndicatorState, timeout = 30_000): Promise<void> {
    await this.page.waitForSelector(`#sync-indicator[data-state="${state}"]`, { timeout });
  }

  async indicator(): Promise<string | null> {
    return this.page.getAttribute('#sync-indicator', 'data-state');
  }

  /** Puts the caret at the end of the last paragraph, then types key by key. */
  async typeAtEnd(text: string): Promise<void> {
    await this.page.locator('affine-editor-container affine-paragraph rich-text').last().click();
    await this.page.keyboard.press('End');
    await this.page.keyboard.type(text, { delay: 15 });
  }

  async editorText(): Promise<string> {
    return this.page.locator('affine-editor-container .affine-page-root-block-container').innerText();
  }

  async waitForEditorText(text: string, timeout = 30_000): Promise<void> {
    await this.page.waitForFunction(
      (expected) =>
        document
          .querySelector('affine-editor-container .affine-page-root-block-container')
          ?.textContent?.includes(expected),
      text,
      { timeout },
    );
  }

  /** Real clipboard, real Ctrl+V: BlockSuite's paste handler inserts the text as one piece. */
  async paste(text: string): Promise<void> {
    await this.page.evaluate((value) => navigator.clipboard.writeText(value), text);
    await this.page.keyboard.press('ControlOrMeta+V');
  }

  async screenshot(scenario: string): Promise<string> {
    const file = path.join(TEST_RESULTS_DIR, `e2e-${testEngine()}-${scenario}-${this.name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
