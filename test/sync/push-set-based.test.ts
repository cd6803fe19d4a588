// A push is applied set-based (src/domain/sync/push.ts): one statement claims every mutation id, and
// a run of consecutive creates of one type is inserted with one statement, falling back to a
// savepoint per change when that statement fails. Every rule must hold exactly as one by one: a bad
// change fails alone, a replay answers the stored result, creates keep the resource layer's rules.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { pushChanges } from '../../src/domain/sync/push.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ok } from '../resources/world.ts';
import { syncAccount } from './sync-account.ts';
import { type Change, change, contactData } from './sync-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

const account = () => syncAccount(server.url);

const contactCreates = (count: number, extra: (index: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: count }, (_, index) =>
    change({
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: contactData(`Run ${index}`, extra(index)),
    }),
  );

async function statementsSoFar(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^db_queries_total (\d+)/m.exec(text)?.[1]);
}

/** The server's Db with its top-level transactions counted (each statement still runs for real). */
function countingDb(): { db: Db; transactions: () => number } {
  const db = server.server.services.db;
  let started = 0;
  const transaction: Db['transaction'] = (work, config) => {
    started += 1;
    return db.transaction(work, config);
  };
  const wrapped = new Proxy(db, {
    get: (target, property, receiver) =>
      property === 'transaction' ? transaction : Reflect.get(target, property, receiver),
  });
  return { db: wrapped, transactions: () => started };
}

const failedIds = (result: { failed: Array<{ mutation_id: string }> }) => result.failed.map((one) => one.mutation_id);

describe('a run of creates in one statement', () => {
  it('sends as many statements for 200 creates as for 10', async () => {
    const a = await account();
    await a.sync.push('device-a', contactCreates(3)); // warm: the first push of an account creates its counter row
    const before = await statementsSoFar();
    await a.sync.push('device-a', contactCreates(10));
    const small = (await statementsSoFar()) - before;
    const middle = await statementsSoFar();
    const result = await a.sync.push('device-a', contactCreates(200));
    const large = (await statementsSoFar()) - middle;
    expect(result.successful).toHaveLength(200);
    expect(small).toBeGreaterThan(0);
    expect(large, `${large} statements for 200 creates, ${small} for 10`).toBe(small);
  });

  it('a create the client got wrong in the middle of a run fails alone; the rest are created once, in the feed', async () => {
    const a = await account();
    const changes = contactCreates(30, (index) =>
      index === 11 ? { frame_score: 1000 } : index === 17 ? { status: 'no such status' } : {},
    );
    const result = await a.sync.push('device-a', changes);
    expect(failedIds(result)).toEqual([changes[11]?.mutation_id, changes[17]?.mutation_id]);
    expect(result.failed.map((one) => one.error.code)).toEqual(['VALIDATION_ERROR', 'VALIDATION_ERROR']);
    expect(result.failed[0]?.error.message).toContain('frame_score');
    expect(result.successful).toEqual(
      changes.filter((_, index) => index !== 11 && index !== 17).map((one) => one.mutation_id),
    );
    const pulled = (await a.sync.pullAll()).changes.filter((entry) => entry.entity_type === 'contact');
    const pulledIds = pulled.map((entry) => entry.entity_id);
    for (const [index, one] of changes.entries()) {
      const response = await a.api.get(`/contacts/${one.entity_id}`);
      expect(response.status).toBe(index === 11 || index === 17 ? 404 : 200);
      expect(pulledIds.filter((id) => id === one.entity_id)).toHaveLength(index === 11 || index === 17 ? 0 : 1);
    }
    // In the order the device queued them.
    const order = changes.filter((_, index) => index !== 11 && index !== 17).map((one) => one.entity_id);
    expect(pulledIds.filter((id) => order.includes(id))).toEqual(order);
    // A failed change left no claim: fixed and sent again under the same mutation id, it applies.
    const fixed = { ...(changes[11] as Change), data: contactData('Fixed') };
    const retried = await a.sync.push('device-a', [fixed]);
    expect(retried.successful).toEqual([fixed.mutation_id]);
    expect(await ok(a.api.get(`/contacts/${fixed.entity_id}`), 200)).toMatchObject({ full_name: 'Fixed' });
  });

  it('a row only the database refuses fails alone: the run is applied again change by change', async () => {
    const a = await account();
    // Year 0 passes validation, but PostgreSQL has no year 0: the run's single insert fails.
    const changes = contactCreates(12, (index) => (index === 5 ? { last_contact_at: '0000-06-01T00:00:00Z' } : {}));
    const counted = countingDb();
    const result = await pushChanges(
      counted.db,
      { userId: a.user.userId, contactZeroId: a.user.contactZeroId, sessionId: randomUUID(), email: a.user.email },
      { device_id: 'device-a', changes: changes.map((one) => ({ ...one })) },
    );
    // Found inside the batch (savepoints), not by abandoning it for a transaction per change.
    expect(counted.transactions()).toBe(1);
    expect(failedIds(result)).toEqual([changes[5]?.mutation_id]);
    expect(result.failed[0]?.error.code).toBe('VALIDATION_ERROR');
    expect(result.successful).toHaveLength(11);
    for (const [index, one] of changes.entries()) {
      expect((await a.api.get(`/contacts/${one.entity_id}`)).status).toBe(index === 5 ? 404 : 200);
    }
    const pulled = (await a.sync.pullAll()).changes.filter((entry) => entry.entity_type === 'contact');
    expect(pulled.filter((entry) => changes.some((one) => one.entity_id === entry.entity_id))).toHaveLength(11);
    // Written by this device at version 1: an equal-time write of a smaller device id loses the tie.
    const created = changes[0] as Change;
    const tie = await a.sync.push('device-0', [
      change({
        entity_type: 'contact',
        entity_id: created.entity_id,
        operation: 'update',
        data: { company: 'Smaller device' },
        client_updated_at: created.client_updated_at,
      }),
    ]);
    expect(tie.conflicts.map((one) => one.resolution)).toEqual(['server_won']);
  });

  it('a replayed push answers the same and writes nothing; a push that repeats part of an earlier one applies only the rest', async () => {
    const a = await account();
    const changes = contactCreates(8, (index) => (index === 3 ? { frame_score: -1 } : {}));
    const first = await a.sync.push('device-a', changes);
    const { cursor } = await a.sync.pullAll();
    const again = await a.sync.push('device-a', changes);
    // The failed one was not remembered: it fails again, the same way.
    expect(again).toEqual(first);
    expect((await a.sync.pullAll(cursor)).changes).toEqual([]);

    const more = contactCreates(5);
    const extended = await a.sync.push('device-a', [...changes.slice(0, 6), ...more]);
    expect(extended.successful).toEqual(
      [...changes.slice(0, 6).filter((_, index) => index !== 3), ...more].map((one) => one.mutation_id),
    );
    expect(failedIds(extended)).toEqual([changes[3]?.mutation_id]);
    const fresh = (await a.sync.pullAll(cursor)).changes.map((entry) => entry.entity_id);
    expect(fresh).toEqual(more.map((one) => one.entity_id));
  });

  it('a mutation id queued twice is a replay of the first; an entity created twice is a retry or a conflict', async () => {
    const a = await account();
    const [x, y] = contactCreates(2);
    const twice = { ...(x as Change) };
    const sameEntity = change({
      entity_type: 'contact',
      entity_id: (y as Change).entity_id,
      operation: 'create',
      data: (y as Change).data,
    });
    const otherBody = change({
      entity_type: 'contact',
      entity_id: (y as Change).entity_id,
      operation: 'create',
      data: contactData('Someone else'),
    });
    const result = await a.sync.push('device-a', [x as Change, y as Change, twice, sameEntity, otherBody]);
    expect(result.successful).toEqual([x?.mutation_id, y?.mutation_id, twice.mutation_id, sameEntity.mutation_id]);
    expect(failedIds(result)).toEqual([otherBody.mutation_id]);
    expect(result.failed[0]?.error.code).toBe('CONFLICT');
    expect(await ok(a.api.get(`/contacts/${y?.entity_id}`), 200)).toMatchObject({
      full_name: 'Run 1',
      sync_version: 1,
    });
    // An id created through REST before: the identical create is the caller's retry, another is a conflict.
    const rest = await ok(a.api.post('/contacts', contactData('Made by REST')));
    const retry = change({
      entity_type: 'contact',
      entity_id: rest.id,
      operation: 'create',
      data: contactData('Made by REST'),
    });
    const clash = change({
      entity_type: 'contact',
      entity_id: rest.id,
      operation: 'create',
      data: contactData('Not it'),
    });
    const later = contactCreates(2);
    const mixed = await a.sync.push('device-a', [retry, clash, ...later]);
    expect(mixed.successful).toEqual([retry.mutation_id, ...later.map((one) => one.mutation_id)]);
    expect(failedIds(mixed)).toEqual([clash.mutation_id]);
  });
});

describe('mixed types in one push', () => {
  it('runs of contacts, tasks and interactions keep every rule of the resource layer, in order with updates and slow types', async () => {
    const a = await account();
    const b = await account();
    const foreignContact = await ok(b.api.post('/contacts', contactData('Not yours')));
    const contacts = contactCreates(4);
    const contactId = (contacts[0] as Change).entity_id;
    const tasks = Array.from({ length: 4 }, (_, index) =>
      change({
        entity_type: 'task',
        entity_id: randomUUID(),
        operation: 'create',
        // The third names another user's contact: it fails alone, like POST /tasks.
        data: { title: `Task ${index}`, contact_id: index === 2 ? foreignContact.id : contactId },
      }),
    );
    const interactions = Array.from({ length: 3 }, (_, index) =>
      change({
        entity_type: 'interaction',
        entity_id: randomUUID(),
        operation: 'create',
        data: {
          contact_id: contactId,
          type: 'call',
          summary: `Call ${index}`,
          occurred_at: '2026-11-30T10:00:00.000Z',
          ...(index === 1
            ? {
                attachments: [
                  { file_name: 'a.txt', mime_type: 'text/plain', data_url: 'data:text/plain;base64,aGVsbG8=' },
                ],
              }
            : {}),
        },
      }),
    );
    const update = change({
      entity_type: 'contact',
      entity_id: contactId,
      operation: 'update',
      data: { company: 'Updated between runs' },
      base_version: 1,
    });
    const note = change({
      entity_type: 'note',
      entity_id: randomUUID(),
      operation: 'create',
      data: { title: 'A note' },
    });
    const moreContacts = contactCreates(3);
    const queue = [...contacts, ...tasks, update, ...interactions, note, ...moreContacts];
    const result = await a.sync.push('device-a', queue);

    const badTask = tasks[2] as Change;
    expect(failedIds(result)).toEqual([badTask.mutation_id]);
    expect(result.failed[0]?.error.code).toBe('VALIDATION_ERROR');
    expect(result.failed[0]?.error.message).toContain('contact_id');
    expect(result.successful).toEqual(queue.filter((one) => one !== badTask).map((one) => one.mutation_id));

    const task = await ok(a.api.get(`/tasks/${(tasks[0] as Change).entity_id}`), 200);
    // The hooks ran: a task's creator and an interaction's author are the caller's Contact Zero.
    expect(task).toMatchObject({ contact_id: contactId, status: 'open', sync_version: 1 });
    expect(task.created_by).toBe(a.user.contactZeroId);
    const withFile = await ok(a.api.get(`/interactions/${(interactions[1] as Change).entity_id}`), 200);
    expect(withFile.attachments).toHaveLength(1);
    expect(withFile.attachments[0]).toMatchObject({ file_name: 'a.txt', mime_type: 'text/plain' });
    const plain = await ok(a.api.get(`/interactions/${(interactions[0] as Change).entity_id}`), 200);
    expect(plain.author_contact_id).toBe(a.user.contactZeroId);
    expect(await ok(a.api.get(`/contacts/${contactId}`), 200)).toMatchObject({
      company: 'Updated between runs',
      sync_version: 2,
    });
    expect((await a.api.get(`/tasks/${badTask.entity_id}`)).status).toBe(404);
    // The note went through its own (slower) door: it has its document.
    const storedNote = await ok(a.api.get(`/notes/${note.entity_id}`), 200);
    expect(typeof storedNote.blocksuite_doc_id).toBe('string');
    // Another user sees none of it.
    expect((await b.api.get(`/contacts/${contactId}`)).status).toBe(404);

    // The feed holds every applied entity once, in the order of the queue .
    const pulled = (await a.sync.pullAll()).changes;
    const ids = new Set(queue.filter((one) => one !== badTask).map((one) => one.entity_id));
    const fed = pulled.filter((entry) => ids.has(entry.entity_id)).map((entry) => entry.entity_id);
    expect(new Set(fed)).toEqual(ids);
    expect(fed).toHaveLength(ids.size);
    expect(fed.slice(-moreContacts.length)).toEqual(moreContacts.map((one) => one.entity_id));
  });
});
