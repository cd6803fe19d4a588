// Every close code the collaboration endpoint sends, in one place. The provider reconnects after
// any close (with backoff), which is what "retry later" codes rely on; a refused authentication
// is answered inside the protocol (permission denied), not by a close.
/** A WebSocket close: code and a reason of at most 123 bytes. */
export interface CloseEvent {
  code: number;
  reason: string;
}

export const CLOSE = {
  /** ws closes with this itself when a frame is larger than MAX_MESSAGE_BYTES. */
  messageTooBig: { code: 1009, reason: 'Message too big' },
  textFrame: { code: 1003, reason: 'Binary frames only' },
  serverRestarting: { code: 1012, reason: 'Server restarting, reconnect later' },
  malformedMessage: { code: 4400, reason: 'Malformed message' },
  /** A token refused on re-authentication, or a frame for a document the socket never authenticated. */
  unauthorized: { code: 4401, reason: 'Unauthorized' },
  documentTooLarge: { code: 4413, reason: 'Document too large' },
  /** An update that would take the document past MAX_DOCUMENT_STRUCTS. */
  documentTooComplex: { code: 4413, reason: 'Document too complex' },
  /** An update past MAX_UPDATE_STRUCTS (structs, delete ranges, values: update-cost.ts). */
  updateTooComplex: { code: 4413, reason: 'Update too complex' },
  /**
   * A relayed update this instance's copy of the document would need more than
   * MAX_INTEGRATION_STEPS (or MAX_PENDING_STRUCTS) to integrate: the copy is discarded, and
   * reconnecting loads it from the log again (integration-cost.ts).
   */
  documentTooCostly: { code: 4413, reason: 'Document too costly to integrate' },
  /** More than MAX_PRE_AUTH_BYTES held for pending authentications, or an oversized Auth frame. */
  preAuthTooLarge: { code: 4413, reason: 'Too much data before authentication' },
  tooManyMessages: { code: 4429, reason: 'Too many messages' },
  tooManyAuthFailures: { code: 4429, reason: 'Too many failed authentications' },
  /** More than 2 × MAX_MESSAGE_BYTES of one socket's frames waiting behind a heavy update (heavy-update-gate.ts). */
  tooMuchWaiting: { code: 4429, reason: 'Too much data waiting to be applied' },
  unavailable: { code: 4503, reason: 'Storage unavailable, reconnect later' },
  /** The process holds MAX_LIVE_STRUCTS of documents: a load or an update that would pass it. */
  memoryBudget: { code: 4503, reason: 'Server memory budget reached, reconnect later' },
  /**
   * The user's live documents hold MAX_USER_LIVE_STRUCTS: a load or an update of theirs that would
   * pass it. The same code: the provider reconnects with backoff, and gets in once one of their
   * documents has left memory.
   */
  userMemoryShare: {
    code: 4503,
    reason: 'Your share of the server memory budget reached (MAX_USER_LIVE_STRUCTS), reconnect later',
  },
} as const satisfies Record<string, CloseEvent>;

/**
 * What a hook throws to refuse a message or an authentication. A plain object on purpose:
 * Hocuspocus prints every thrown value that has a `message` to the console, and refusals are
 * expected traffic, already counted and logged by us. `reason` is what the provider is told.
 */
export interface Refusal {
  code: number;
  reason: string;
}

export const refusal = (event: CloseEvent): Refusal => ({ code: event.code, reason: event.reason });

/** The permission-denied reason for a bad token and for another user's document alike. */
export const PERMISSION_DENIED: Refusal = { code: 4401, reason: 'permission-denied' };
export const INVALID_DOCUMENT_NAME: Refusal = { code: 4400, reason: 'invalid-document-name' };
export const SERVER_UNAVAILABLE: Refusal = { code: 4503, reason: 'server-unavailable' };
