import type { WebSocket } from 'ws';
import type { CloseEvent } from './close-codes.ts';

/** Where a connection's access token is kept: a symbol key never reaches JSON or a log line. */
export const ACCESS_TOKEN: unique symbol = Symbol('accessToken');

/** One WebSocket, shared by every document connection it carries. */
export interface SocketState {
  readonly id: number;
  /** Rate-limit subject of the client address; undefined when unknown. */
  readonly address: string | undefined;
  readonly ws: WebSocket;
  authFailures: number;
  /** Closes the socket (once); later frames are dropped. */
  close(event: CloseEvent): void;
  readonly closed: boolean;
}

/** The Hocuspocus context of a document connection. Auth fills the rest once it succeeds. */
export interface CollabContext {
  socket: SocketState;
  userId?: string;
  contactZeroId?: string;
  sessionId?: string;
  noteId?: string;
  /** Epoch ms from which the access token is refused as expired (the periodic re-authentication). */
  tokenValidUntil?: number;
  [ACCESS_TOKEN]?: string;
}
