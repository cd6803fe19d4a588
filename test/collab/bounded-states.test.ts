// The integration bound on the whole states a note's document is stored or replayed from
// (docs/security.md, "Integration cost"): an archive's note document, stored as it is and
// integrated whole by every later load, is walked before the import writes anything; and the
// current state a restore replays onto a version is walked against the version first. Past the
// bound each answers 422 DOCUMENT_TOO_COSTLY naming what it refused, and nothing is written (each
// would take seconds of Yjs).
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { recordVersion } from '../../src/domain/history/version-store.ts';
import { registerUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import { VERSION_ON_EVERY_STORE } from '../history/version-settings.ts';
import { apiFor, ok } from '../resources/world.ts';
import { amplifiedUpdate, heldBackUpdate, LONG_ARRAY_LAST, longArrayUpdates } from './amplified-update.ts';
import { storedDocumentsServer } from './stored-documents.ts';

const setup = storedDocumentsServer(VERSION_ON_EVERY_STORE);
const { documents } = setup;

/** 150 000 items `a` chained by one client: placed one after another, nothing walked. */
const CHAIN = amplifiedUpdate(150_000, 1000);
/** The chain with the pair merged in: 20 items with no left origin before an item after its last. */
const COSTLY = Y.mergeUpdates([
  CHAIN,
  heldBackUpdate(20, 8_000_000),
  amplifiedUpdate(1, 8_000_000, { client: 1000, clock: 149_999 }),
]);

function expectRefused(response: { status: number; body: { error?: unknown } }, details: object, started: number) {
  expect(response.status, JSON.stringify(response.body.error)).toBe(422);
  expect(response.body.error).toMatchObject({
    code: 'DOCUMENT_TOO_COSTLY',
    details: { ...details, limit: 'MAX_INTEGRATION_STEPS' },
  });
  // Yjs would scan 20 × 150 000 items; the refusal walks the bound once.
  expect(performance.now() - started).toBeLessThan(10_000);
}

describe('whole states held to the integration bound', () => {
  it('an archive whose note document is too costly is refused naming the note and file; nothing is written', async () => {
    const owner = await registerUser(setup.server().url);
    const api = apiFor(setup.server().url, owner.accessToken);
    const costly = await ok(api.post('/notes', { title: 'Costly document' }));
    const long = await ok(api.post('/notes', { title: 'Long document' }));
    const download = await fetch(`${setup.server().url}/api/v1/export/archive`, {
      headers: { authorization: `Bearer ${owner.accessToken}` },
    });
    expect(download.status).toBe(200);
    const files: Record<string, Uint8Array> = unzipSync(new Uint8Array(await download.arrayBuffer()));
    const manifest = JSON.parse(strFromU8(files['manifest.json'] as Uint8Array));
    const archive = (states: Record<string, Uint8Array>) => {
      for (const [id, state] of Object.entries(states)) {
        manifest.notes[id] = { ...manifest.notes[id], state: `notes/${id}.yjs` };
        files[`notes/${id}.yjs`] = state;
      }
      files['manifest.json'] = strToU8(JSON.stringify(manifest));
      return zipSync(files);
    };
    const importInto = async (token: string, bytes: Uint8Array) => {
      const response = await fetch(`${setup.server().url}/api/v1/import/archive`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' },
        body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
      });
      return { status: response.status, body: await response.json() };
    };

    const target = await registerUser(setup.server().url);
    const started = performance.now();
    const refused = await importInto(target.accessToken, archive({ [long.id]: CHAIN, [costly.id]: COSTLY }));
    expectRefused(refused, { note_id: costly.id, file: `notes/${costly.id}.yjs` }, started);
    const line = setup
      .server()
      .logs.lines.find(
        (text) => text.includes('document decode refused: too costly to integrate') && text.includes(costly.id),
      );
    expect(line).toContain(`"file":"notes/${costly.id}.yjs"`);
    // Nothing of the archive was written: the account still has no notes, and imports it once the
    // costly document is gone; the long one, placed without a walk, passes as it is.
    expect((await apiFor(setup.server().url, target.accessToken).get('/notes')).body.data).toEqual([]);
    const imported = await importInto(target.accessToken, archive({ [costly.id]: CHAIN }));
    expect(imported.status, JSON.stringify(imported.body.error)).toBe(200);
    expect(imported.body.data.documents).toBe(2);
  }, 120_000);

  it('a restore whose replay of the current state onto the version is too costly answers 422 and writes nothing', async () => {
    // The current state: the long array and 20 items held back for client 8 000 000's first item.
    const note = await setup.storedLongArrayNote('Restore onto a costly version');
    await documents().appendUpdate(note.id, heldBackUpdate(20, 8_000_000), null);
    expect(await documents().compactNow(note.id)).toBe(true);
    // A version holding that item (as an archive's or an older restore's may): replaying the
    // current state onto it releases the 20 items, each scanning the 150 000.
    const server = setup.server().server;
    const version = await recordVersion(
      server.services.db,
      {
        noteId: note.id,
        userId: setup.user().userId,
        state: Y.mergeUpdates([...longArrayUpdates(), amplifiedUpdate(1, 8_000_000, LONG_ARRAY_LAST)]),
        title: 'Restore onto a costly version',
        source: 'restore',
      },
      server.services.history.policy,
    );
    const history = async () => (await setup.api().get(`/notes/${note.id}/history`)).body.data as unknown[];
    const versions = (await history()).length;
    const before = await documents().loadState(note.id);

    const started = performance.now();
    const response = await request(
      setup.server().url,
      'POST',
      `/api/v1/notes/${note.id}/history/${version.id}/restore`,
      { token: setup.user().accessToken },
    );
    expectRefused(response, { note_id: note.id, version_id: version.id }, started);
    expect(await documents().loadState(note.id)).toEqual(before);
    expect(await history()).toHaveLength(versions);
  }, 120_000);
});
