// Which device made a version (docs/history-and-trash.md, "Which device or import made it"): the
// signed-in session of a provider, of an HTTP document sync and of a restore reaches the version
// list as device_id / device_name; another user's session never names a version.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { fillBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { recordVersion } from '../../src/domain/history/version-store.ts';
import type { RegisteredUser } from '../helpers/auth.ts';
import { connectKept, eventually, type TestProvider, waitAcknowledged, waitSynced } from '../helpers/collab.ts';
import { request } from '../helpers/http.ts';
import type { TestServer } from '../helpers/server.ts';
import { destroyProvidersAndServer, startServerWithUsers } from '../helpers/server-with-users.ts';
import { noteOf } from '../collab/fixtures.ts';
import { setFirstParagraph, setTitle } from './blocksuite-edits.ts';
import { type Device, signIn } from './devices.ts';
import { VERSION_ON_EVERY_STORE } from './version-settings.ts';

let server: TestServer;
let alice: RegisteredUser;
let bob: RegisteredUser;
const providers: TestProvider[] = [];

interface VersionRow {
  id: string;
  title: string | null;
  source: string;
  device_id: string | null;
  device_name: string | null;
  import_id: string | null;
}

const versionsOf = async (noteId: string, token: string): Promise<VersionRow[]> => {
  const response = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history?per_page=100`, { token });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.data as VersionRow[];
};

const versionTitled = async (noteId: string, token: string, title: string): Promise<VersionRow> => {
  let found: VersionRow | undefined;
  await eventually(
    async () => {
      found = (await versionsOf(noteId, token)).find((version) => version.title === title);
      return found !== undefined;
    },
    15_000,
    `a version titled ${title}`,
  );
  return found as VersionRow;
};

const deviceOf = (device: Device) => ({ device_id: device.sessionId, device_name: device.name });

beforeAll(async () => {
  [server, alice, bob] = await startServerWithUsers(2, VERSION_ON_EVERY_STORE);
});
afterAll(() => destroyProvidersAndServer(providers, server));

describe('the device that made a version', () => {
  let phone: Device;
  let laptop: Device;
  let noteId: string;

  it('names the device of the provider whose edit the version holds', async () => {
    phone = await signIn(server.url, alice, `Phone/${randomUUID()}`);
    laptop = await signIn(server.url, alice, `Laptop/${randomUUID()}`);
    const documentName = `doc-${randomUUID()}`;

    const onPhone = connectKept(providers, server.collabUrl, documentName, phone.token);
    await waitSynced(onPhone);
    fillBlockSuiteDocument(onPhone.doc, 'Typed on the phone', ['phone words']);
    await waitAcknowledged(onPhone);
    const note = await noteOf(server, documentName);
    if (!note) throw new Error('no note for the document');
    noteId = note.id;
    expect(await versionTitled(noteId, phone.token, 'Typed on the phone')).toMatchObject({
      source: 'edit',
      ...deviceOf(phone),
      import_id: null,
    });

    // The same note, edited from the other device.
    const onLaptop = connectKept(providers, server.collabUrl, documentName, laptop.token);
    await waitSynced(onLaptop);
    setTitle(onLaptop.doc, 'Typed on the laptop');
    await waitAcknowledged(onLaptop);
    expect(await versionTitled(noteId, phone.token, 'Typed on the laptop')).toMatchObject({
      source: 'edit',
      ...deviceOf(laptop),
    });
  });

  it('names the device of an HTTP document sync, and the one that asked for a restore', async () => {
    const script = await signIn(server.url, alice, `Script/${randomUUID()}`);
    const doc = new Y.Doc();
    const current = await request(server.url, 'POST', `/api/v1/notes/${noteId}/doc`, { token: script.token, body: {} });
    expect(current.status).toBe(200);
    Y.applyUpdate(doc, new Uint8Array(Buffer.from(current.body.data.update as string, 'base64')));
    const before = Y.encodeStateVector(doc);
    setTitle(doc, 'Written over HTTP');
    const update = Buffer.from(Y.encodeStateAsUpdate(doc, before)).toString('base64');
    const synced = await request(server.url, 'POST', `/api/v1/notes/${noteId}/doc`, {
      token: script.token,
      body: { update },
    });
    expect(synced.status, JSON.stringify(synced.body)).toBe(200);
    expect(await versionTitled(noteId, script.token, 'Written over HTTP')).toMatchObject(deviceOf(script));

    const first = await versionTitled(noteId, phone.token, 'Typed on the phone');
    const restored = await request(server.url, 'POST', `/api/v1/notes/${noteId}/history/${first.id}/restore`, {
      token: phone.token,
    });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    // The state the restore replaced was made over HTTP, but the phone made this version of it.
    expect(restored.body.data.saved).toMatchObject({
      source: 'restore',
      title: 'Written over HTTP',
      ...deviceOf(phone),
    });
    // The restore itself is an edit of the phone: the version taken of its result names it.
    const afterRestore = (await versionsOf(noteId, phone.token)).find(
      (version) => version.source === 'edit' && version.title === 'Typed on the phone' && version.id !== first.id,
    );
    expect(afterRestore).toMatchObject(deviceOf(phone));
  });

  it('names the device of the newest edit among those one store merges', async () => {
    const { documents } = server.server.services;
    const note = await request(server.url, 'POST', '/api/v1/notes', { token: phone.token, body: { title: 'Merged' } });
    const id = note.body.data.id as string;
    const doc = new Y.Doc();
    fillBlockSuiteDocument(doc, 'Merged', ['one']);
    const first = Y.encodeStateAsUpdate(doc);
    const vector = Y.encodeStateVector(doc);
    setFirstParagraph(doc, 'two');
    const second = Y.encodeStateAsUpdate(doc, vector);
    // Both in the log before one compaction folds them (the order of the log is the order of edits).
    await documents.appendUpdate(id, first, laptop.sessionId);
    await documents.appendUpdate(id, second, phone.sessionId);
    await documents.appendUpdate(id, new Uint8Array([0, 0]), null);
    expect(await documents.compactNow(id)).toBe(true);
    const [version] = await versionsOf(id, phone.token);
    expect(version).toMatchObject({ source: 'edit', ...deviceOf(phone) });
  });

  it("never names another user's device, and says null when the device is unknown", async () => {
    const { db, history } = server.server.services;
    const bobsSession = String(decodeJwt(bob.accessToken).sid);
    const state = new Uint8Array([0, 0]);
    const crossed = await recordVersion(
      db,
      { noteId, userId: alice.userId, state, title: 'crossed', source: 'edit', sessionId: bobsSession },
      history.policy,
    );
    const unknown = await recordVersion(
      db,
      { noteId, userId: alice.userId, state, title: 'unknown', source: 'edit' },
      history.policy,
    );
    const listed = await versionsOf(noteId, alice.accessToken);
    for (const id of [crossed.id, unknown.id]) {
      expect(listed.find((version) => version.id === id)).toMatchObject({
        device_id: null,
        device_name: null,
        import_id: null,
      });
      const detail = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history/${id}`, {
        token: alice.accessToken,
      });
      expect(detail.body.data).toMatchObject({ device_id: null, device_name: null });
    }
    // Bob sees none of Alice's versions, whichever device made them.
    const asBob = await request(server.url, 'GET', `/api/v1/notes/${noteId}/history`, { token: bob.accessToken });
    expect(asBob.status).toBe(404);
  });
});
