// The socket Hocuspocus writes to: every frame goes straight out, except SyncStatus, which tells a
// provider its update is saved (its `unsyncedChanges` falls). That one waits until every update
// applied to the document so far is committed to the log (document-durability.ts). Hocuspocus
// sends it right after applying the update (MessageReceiver), which is now before the commit.
import type { WebSocketLike } from '@hocuspocus/server';
import type { WebSocket } from 'ws';
import { syncStatusDocumentName } from './frames.ts';
import type { LiveDocumentStates } from './live-document-states.ts';

/** `observe` sees every frame Hocuspocus sends, before it goes out (the pre-auth gate reads verdicts). */
export function durableSocket(
  ws: WebSocket,
  liveStates: LiveDocumentStates,
  observe: (data: Uint8Array) => void = () => {},
): WebSocketLike {
  return {
    get readyState() {
      return ws.readyState;
    },
    close(code?: number, reason?: string) {
      ws.close(code, reason);
    },
    send(data) {
      if (data instanceof Uint8Array) observe(data);
      const documentName = data instanceof Uint8Array ? syncStatusDocumentName(data) : null;
      const durability = documentName === null ? undefined : liveStates.get(documentName)?.durability;
      if (!durability) return ws.send(data);
      // At once when everything applied so far is committed (no promise, no extra turn).
      durability.onDurable(
        () => {
          if (ws.readyState === ws.OPEN) ws.send(data);
        },
        // The append failed: the document's sockets are being closed, and the provider re-sends
        // the update on its next connection. It must never hear that it was saved.
        () => {},
      );
    },
  };
}
