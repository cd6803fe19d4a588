// The integration bound on every path that decodes a note's stored state and log
// (docs/security.md, "Integration cost"): a note whose log holds a pair too costly to integrate is
// refused by HTTP document sync and a version restore (422 DOCUMENT_TOO_COSTLY, naming the note and
// the entry) and exported with the content before the entry, listed in `incompleteNotes`; nothing
// is integrated unbounded (each would take seconds of Yjs), and the log keeps the entries.
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/build-document.ts';
import { request } from '../helpers/http.ts';
import { VERSION_ON_EVERY_STORE } from '../history/version-settings.ts';
import { amplifiedUpdate } from './amplified-update.ts';
import { logCostlyPair, storedDocumentsServer } from './stored-documents.ts';

const setup = storedDocumentsServer(VERSION_ON_EVERY_STORE);
const { documents } = setup;

/** What the log holds for the note, by id: refusals must leave it as it was. */
const logIds = async (noteId: string) => (await documents().loadState(noteId))?.log.map((entry) => entry.id) ?? [];

/** The refusal every HTTP path answers for the note. */
function expectTooCostly(
  response: { status: number; body: { error?: unknown } },
  noteId: string,
  entry: number,
  started: number,
): void {
  expect(response.status, JSON.stringify(response.body.error)).toBe(422);
  expect(response.body.error).toMatchObject({
    code: 'DOCUMENT_TOO_COSTLY',
    details: { note_id: noteId, log_entry: entry, limit: 'MAX_INTEGRATION_STEPS' },
  });
  // Yjs would scan 20 × 150 000 items; the refusal walks the bound once.
  expect(performance.now() - started).toBeLessThan(10_000);
  const line = setup
    .server()
    .logs.lines.find((text) => text.includes('document decode refused') && text.includes(noteId));
  expect(line).toContain(`"log_entry":${entry}`);
}

describe('a note whose log holds a pair too costly to integrate', () => {
  it('HTTP document sync of the note, not live, answers 422 naming it and logs nothing', async () => {
    const note = await setup.storedLongArrayNote('Stored array, costly log');
    const pair = await logCostlyPair(setup.server(), note.id);
    const before = await logIds(note.id);

    const started = performance.now();
    // One item appended after the release: it could walk the document, so it is walked against
    // the note decoded, which the bound refuses at the release.
    const response = await setup.sync(note.id, amplifiedUpdate(1, 5000, { client: 8_000_000, clock: 0 }));
    expectTooCostly(response, note.id, pair.release, started);
    expect(await logIds(note.id)).toEqual(before);

    // A read decodes nothing (the merge integrates nothing): still answered.
    const read = await request(setup.server().url, 'POST', `/api/v1/notes/${note.id}/doc`, {
      token: setup.user().accessToken,
      body: {},
    });
    expect(read.status, JSON.stringify(read.body.error)).toBe(200);
  }, 120_000);

  it('a version restore answers 422 and writes nothing: no version of the note holds the pair', async () => {
    const note = await setup.storedLongArrayNote('Stored array with versions, costly log');
    const history = async () => (await setup.api().get(`/notes/${note.id}/history`)).body.data as Array<{ id: string }>;
    const versions = await history();
    const version = versions.at(-1);
    expect(version).toBeDefined();
    const pair = await logCostlyPair(setup.server(), note.id);
    const before = await logIds(note.id);

    const started = performance.now();
    const response = await request(
      setup.server().url,
      'POST',
      `/api/v1/notes/${note.id}/history/${version?.id}/restore`,
      { token: setup.user().accessToken },
    );
    expectTooCostly(response, note.id, pair.release, started);
    expect(await logIds(note.id)).toEqual(before);
    expect(await history()).toHaveLength(versions.length);
  }, 120_000);

  it('the export writes the note with its content before the entry and lists it in incompleteNotes', async () => {
    const page = Y.encodeStateAsUpdate(buildBlockSuiteDocument('Costly page', ['kept paragraph']));
    const note = await setup.storedLongArrayNote('Costly page', page);
    const pair = await logCostlyPair(setup.server(), note.id);
    const before = await logIds(note.id);

    const started = performance.now();
    const response = await fetch(`${setup.server().url}/api/v1/export`, {
      headers: { authorization: `Bearer ${setup.user().accessToken}` },
    });
    expect(response.status).toBe(200);
    const file = (await response.json()) as {
      framelord_notes: Array<{ id: string; title: string; content: string }>;
      incompleteNotes?: Array<{ id: string; logEntry: number }>;
    };
    expect(performance.now() - started).toBeLessThan(10_000);
    const exported = file.framelord_notes.find((record) => record.id === note.id);
    expect(exported).toMatchObject({ title: 'Costly page', content: 'kept paragraph' });
    // The notes of the tests above are listed too.
    expect(file.incompleteNotes).toContainEqual({ id: note.id, logEntry: pair.release });
    const line = setup
      .server()
      .logs.lines.find((text) => text.includes('export: note written without') && text.includes(note.id));
    expect(line).toContain(`"log_entry":${pair.release}`);
    expect(await logIds(note.id)).toEqual(before);
  }, 120_000);
});
