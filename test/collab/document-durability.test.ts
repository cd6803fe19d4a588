// The bookkeeping behind "saved": acknowledgements and relays wait for every append before them.
import { OutgoingMessage } from '@hocuspocus/server';
import { describe, expect, it } from 'vitest';
import { DocumentDurability } from '../../src/collab/document-durability.ts';
import { syncStatusDocumentName } from '../../src/collab/frames.ts';

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
