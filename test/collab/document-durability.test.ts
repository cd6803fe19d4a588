// The bookkeeping behind "saved": acknowledgements and relays wait for every append before them.
import { OutgoingMessage } from '@hocuspocus/server';
import { describe, expect, it } from 'vitest';
import { DocumentDurability } from '../../src/collab/document-durability.ts';
import { frameMessageType, MessageType, SYNC_STATUS_MESSAGE, syncStatusDocumentName } from '../../src/collab/frames.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('DocumentDurability', () => {
  it('releases waiters in order, each only once every append tracked before it has committed', async () => {
    const durability = new DocumentDurability();
    const first = deferred();
    const second = deferred();
    const released: string[] = [];
    durability.track(first.promise, () => {});
    void durability.whenDurable().then(() => released.push('after first'));
    durability.track(second.promise, () => {});
    void durability.whenDurable().then(() => released.push('after second'));
    expect(durability.pending).toBe(2);

    second.resolve();
    await tick();
    expect(released).toEqual([]);
    first.resolve();
    await tick();
    expect(released).toEqual(['after first', 'after second']);
    expect(durability.pending).toBe(0);
    await expect(durability.whenDurable()).resolves.toBeUndefined();
  });

  it('never releases anything after a failed append, and reports the failure once', async () => {
    const durability = new DocumentDurability();
    const failures: unknown[] = [];
    const first = deferred();
    const second = deferred();
    durability.track(first.promise, (error) => failures.push(error));
    durability.track(second.promise, (error) => failures.push(error));
    const waiter = durability.whenDurable();
    first.reject(new Error('connection lost'));
    second.reject(new Error('connection lost again'));
    await expect(waiter).rejects.toThrow('connection lost');
    await tick();
    expect(failures).toHaveLength(1);
    expect(durability.failed).toBe(true);
    durability.track(Promise.resolve(), (error) => failures.push(error));
    await expect(durability.whenDurable()).rejects.toThrow();
    expect(failures).toHaveLength(1);
  });
});

describe('DocumentDurability.onDurable', () => {
  it('releases at once when every append has committed, and waits for earlier ones committed out of order', async () => {
    const durability = new DocumentDurability();
    const released: string[] = [];
    durability.onDurable(
      () => released.push('nothing pending'),
      () => released.push('failed'),
    );
    // Synchronously: an acknowledgement with nothing outstanding goes out in the same turn.
    expect(released).toEqual(['nothing pending']);

    const first = deferred();
    const second = deferred();
    const third = deferred();
    durability.track(first.promise, () => {});
    durability.onDurable(
      () => released.push('after first'),
      () => released.push('failed'),
    );
    durability.track(second.promise, () => {});
    durability.track(third.promise, () => {});
    durability.onDurable(
      () => released.push('after third'),
      () => released.push('failed'),
    );
    third.resolve();
    second.resolve();
    await tick();
    expect(released).toEqual(['nothing pending']);
    first.resolve();
    await tick();
    expect(released).toEqual(['nothing pending', 'after first', 'after third']);
    expect(durability.pending).toBe(0);
  });

  it('fails every waiter, and every later one, once an append failed', async () => {
    const durability = new DocumentDurability();
    const outcomes: string[] = [];
    const first = deferred();
    durability.track(first.promise, () => outcomes.push('first failure reported'));
    durability.onDurable(
      () => outcomes.push('released'),
      () => outcomes.push('waiter failed'),
    );
    first.reject(new Error('outage'));
    await tick();
    durability.onDurable(
      () => outcomes.push('released'),
      () => outcomes.push('later waiter failed'),
    );
    expect(outcomes).toEqual(['first failure reported', 'waiter failed', 'later waiter failed']);
  });
});

describe('frameMessageType', () => {
  it('reads the type after the address of any frame, however long the address', () => {
    const long = `${'d'.repeat(300)}\0session`;
    expect(frameMessageType(new OutgoingMessage('doc-x').writeSyncStatus(true).toUint8Array())).toBe(
      SYNC_STATUS_MESSAGE,
    );
    expect(frameMessageType(new OutgoingMessage(long).writeSyncStatus(true).toUint8Array())).toBe(SYNC_STATUS_MESSAGE);
    expect(frameMessageType(new OutgoingMessage(long).writeAuthenticated(false).toUint8Array())).toBe(MessageType.Auth);
    expect(
      frameMessageType(
        new OutgoingMessage(long)
          .createSyncMessage()
          .writeUpdate(new Uint8Array([0, 0]))
          .toUint8Array(),
      ),
    ).toBe(MessageType.Sync);
    // Truncated: no address end, or nothing after it.
    expect(frameMessageType(new Uint8Array([200]))).toBeNull();
    expect(frameMessageType(new Uint8Array([2, 65, 66]))).toBeNull();
    expect(frameMessageType(new Uint8Array([]))).toBeNull();
  });
});

describe('syncStatusDocumentName', () => {
  it('names the document of a SyncStatus frame, with or without a session suffix, and nothing else', () => {
    expect(syncStatusDocumentName(new OutgoingMessage('doc-x').writeSyncStatus(true).toUint8Array())).toBe('doc-x');
    expect(syncStatusDocumentName(new OutgoingMessage('doc-y\0session-1').writeSyncStatus(true).toUint8Array())).toBe(
      'doc-y',
    );
    expect(syncStatusDocumentName(new OutgoingMessage('doc-x').writeCloseMessage('bye').toUint8Array())).toBeNull();
    expect(
      syncStatusDocumentName(
        new OutgoingMessage('doc-x')
          .createSyncMessage()
          .writeUpdate(new Uint8Array([0, 0]))
          .toUint8Array(),
      ),
    ).toBeNull();
    // An address whose length would run past the frame is not a SyncStatus either.
    expect(syncStatusDocumentName(new Uint8Array([200]))).toBeNull();
  });
});
