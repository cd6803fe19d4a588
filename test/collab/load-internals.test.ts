// Loading sets Yjs's 'update' listeners aside through lib0's private `_observers` map
// (withoutUpdateEvents in src/collab/persistence-extension.ts), for speed only: if a Hocuspocus,
// Yjs or lib0 release moves the map, loading silently takes the slow path with the listener
// attached. This file makes that move loud: it fails unless a document created by a real
// Hocuspocus instance has the map, the load really runs without 'update' events, and the
// listeners (Hocuspocus's own included) are back afterwards. Checked to fail with the function
// looking under another property name (the slow path) and with the listeners not put back.
import { Hocuspocus, type onLoadDocumentPayload } from '@hocuspocus/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { withoutUpdateEvents } from '../../src/collab/persistence-extension.ts';

function storedUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

function observersOf(document: Y.Doc): unknown {
  return (document as unknown as { _observers?: unknown })._observers;
}

interface LoadProbe {
  observers: unknown;
  updateListenersBefore: unknown;
  eventsDuringApply: number;
  updateListenersAfter: unknown;
  eventsAfterApply: number;
}

let instance: Hocuspocus | undefined;
afterEach(async () => {
  await instance?.closeConnections();
  instance = undefined;
});

describe('loading without update events (lib0 internals)', () => {
  it('takes the fast path on a document Hocuspocus creates, and restores every update listener', async () => {
    const probe: Partial<LoadProbe> = {};
    const changes: string[] = [];
    instance = new Hocuspocus({
      quiet: true,
      extensions: [
        {
          async onLoadDocument({ document }: onLoadDocumentPayload) {
            const observers = observersOf(document);
            probe.observers = observers;
            probe.updateListenersBefore = observers instanceof Map ? observers.get('update') : undefined;
            // A listener of our own besides Hocuspocus's: it must stay silent while the stored
            // state is applied, and hear the edits after.
            let events = 0;
            document.on('update', () => {
              events += 1;
            });
            withoutUpdateEvents(document, () => Y.applyUpdate(document, storedUpdate('stored')));
            probe.eventsDuringApply = events;
            probe.updateListenersAfter = observers instanceof Map ? observers.get('update') : undefined;
            document.getText('t').insert(0, '>');
            probe.eventsAfterApply = events;
          },
          async onChange({ documentName }) {
            changes.push(documentName);
          },
        },
      ],
    });
    const connection = await instance.openDirectConnection('load-internals');
    try {
      // The map exists where withoutUpdateEvents looks, and Hocuspocus listens for 'update' in
      // it (its broadcast listener, registered in the Document's constructor).
      expect(probe.observers).toBeInstanceOf(Map);
      expect(probe.updateListenersBefore).toBeInstanceOf(Set);
      expect((probe.updateListenersBefore as Set<unknown>).size).toBeGreaterThanOrEqual(1);
      // The stored state went in without one 'update' event ...
      expect(probe.eventsDuringApply).toBe(0);
      // ... and the same listener set is back: ours hears the next edit.
      expect(probe.updateListenersAfter).toBe(probe.updateListenersBefore);
      expect(probe.eventsAfterApply).toBe(1);
      // Hocuspocus's own listener is back too: an edit after the load reaches its change hooks.
      await connection.transact((document) => document.getText('t').insert(0, '!'));
      expect(changes).toContain('load-internals');
      expect(connection.document?.getText('t').toString()).toBe('!>stored');
    } finally {
      await connection.disconnect();
    }
  });

  it('restores the listeners when applying throws', () => {
    const document = new Y.Doc();
    let events = 0;
    document.on('update', () => {
      events += 1;
    });
    expect(() =>
      withoutUpdateEvents(document, () => {
        throw new Error('undecodable');
      }),
    ).toThrow('undecodable');
    document.getText('t').insert(0, 'x');
    expect(events).toBe(1);
    document.destroy();
  });
});
