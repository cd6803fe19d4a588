// Nothing a socket sends is parsed, logged or applied for a document it has not authenticated
// (docs/security.md). A frame's address and type are all that is read to route it:
// - an Auth frame (bounded to MAX_AUTH_FRAME_BYTES) starts the authentication of its address;
// - any other frame for an address whose authentication is pending is held unread: the provider
//   sends its sync step 1 and awareness right after its token, without waiting for the verdict.
//   Held frames count against MAX_PRE_AUTH_BYTES per socket; past it the socket is closed (4413);
// - any other frame for an address with no authentication under way closes the socket (4401).
// The verdict is read from the server's own answer (the Auth message Hocuspocus sends back), so the
// gate follows exactly what Hocuspocus decided: once authenticated, the held frames are released in
// order; once denied, they are dropped. Document names are checked against the name rule before
// anything (Hocuspocus's own warnings included) could print them.
import * as decoding from 'lib0/decoding';
import { isValidDocumentName } from '../domain/documents/document-name.ts';
import { CLOSE, type CloseEvent } from './close-codes.ts';
import { frameMessageType, MalformedFrame, MessageType, readFrameHeader } from './frames.ts';

/** An Auth frame carries a token (a JWT of well under 2 KiB) and a provider version. */
export const MAX_AUTH_FRAME_BYTES = 16 * 1024;

/** Sub-types of the Auth message (@hocuspocus/common AuthMessageType). */
const AUTH_PERMISSION_DENIED = 1;
const AUTH_AUTHENTICATED = 2;

export interface GateRefusal {
  close: CloseEvent;
  /** The error code counted in metrics. */
  code: 'UNAUTHORIZED' | 'PAYLOAD_TOO_LARGE' | 'VALIDATION_ERROR';
}

export interface PreAuthGateOptions {
  maxPendingBytes: number;
  /** Hands a frame (of an authenticated address, or an Auth frame) on to be read and applied. */
  deliver(frame: Uint8Array): void;
  refuse(refusal: GateRefusal): void;
}

type AddressState = { state: 'pending'; held: Uint8Array[] } | { state: 'open' };

export interface PreAuthGate {
  /** Every frame the client sends (binary, within the rate limit), in order. */
  receive(frame: Uint8Array): void;
  /** Every frame the server sends this socket: authentication verdicts open or reset an address. */
  observeOutgoing(frame: Uint8Array): void;
  /** Bytes held now (tests, metrics). */
  readonly heldBytes: number;
}

const refusal = (close: CloseEvent, code: GateRefusal['code']): GateRefusal => ({ close, code });

export function createPreAuthGate(options: PreAuthGateOptions): PreAuthGate {
  const addresses = new Map<string, AddressState>();
  let heldBytes = 0;
  let refused = false;

  const refuse = (value: GateRefusal) => {
    refused = true;
    for (const entry of addresses.values()) if (entry.state === 'pending') entry.held = [];
    heldBytes = 0;
    options.refuse(value);
  };

  return {
    get heldBytes() {
      return heldBytes;
    },
    receive(frame) {
      if (refused) return;
      let header: ReturnType<typeof readFrameHeader>;
      try {
        header = readFrameHeader(frame);
      } catch (error) {
        if (error instanceof MalformedFrame) return refuse(refusal(CLOSE.malformedMessage, 'VALIDATION_ERROR'));
        throw error;
      }
      if (header.kind === 'pong') return options.deliver(frame);
      const { address, documentName, type } = header;
      const entry = addresses.get(address);
      if (entry?.state === 'open') {
        // The provider detaching from a document: its next frames need a new Auth.
        if (type === MessageType.Close) addresses.delete(address);
        return options.deliver(frame);
      }
      // A provider detaching from a document it never opened (its token was refused): nothing to do.
      if (type === MessageType.Close) {
        if (entry) for (const held of entry.held) heldBytes -= held.length;
        addresses.delete(address);
        return;
      }
      if (!isValidDocumentName(documentName)) {
        // An Auth frame for a bad name is answered "invalid-document-name" by the auth hook; the
        // name never reaches a log line (the hook refuses it before anything logs it).
        if (type !== MessageType.Auth) return refuse(refusal(CLOSE.malformedMessage, 'VALIDATION_ERROR'));
      }
      if (type === MessageType.Auth && !entry) {
        if (frame.length > MAX_AUTH_FRAME_BYTES) return refuse(refusal(CLOSE.preAuthTooLarge, 'PAYLOAD_TOO_LARGE'));
        addresses.set(address, { state: 'pending', held: [] });
        return options.deliver(frame);
      }
      if (!entry) return refuse(refusal(CLOSE.unauthorized, 'UNAUTHORIZED'));
      // Pending: hold it unread, within the socket's byte budget.
      if (heldBytes + frame.length > options.maxPendingBytes)
        return refuse(refusal(CLOSE.preAuthTooLarge, 'PAYLOAD_TOO_LARGE'));
      heldBytes += frame.length;
      entry.held.push(frame);
    },
    observeOutgoing(frame) {
      const verdict = readAuthVerdict(frame);
      if (!verdict) return;
      const entry = addresses.get(verdict.address);
      if (entry?.state !== 'pending') return;
      for (const held of entry.held) heldBytes -= held.length;
      if (verdict.authenticated) {
        addresses.set(verdict.address, { state: 'open' });
        // Released in the order received; a refusal while releasing stops the rest.
        for (const held of entry.held) {
          if (refused) return;
          options.deliver(held);
        }
      } else {
        addresses.delete(verdict.address);
      }
    },
  };
}

/** The address and outcome of a server → client Auth frame, or null for any other frame. */
function readAuthVerdict(frame: Uint8Array): { address: string; authenticated: boolean } | null {
  // Every frame the server sends passes here: most are broadcasts, told apart without decoding.
  if (frameMessageType(frame) !== MessageType.Auth) return null;
  try {
    const decoder = decoding.createDecoder(frame);
    const addressLength = decoding.readVarUint(decoder);
    const addressStart = decoder.pos;
    decoder.pos += addressLength;
    if (decoder.pos >= frame.length || decoding.readVarUint(decoder) !== MessageType.Auth) return null;
    const kind = decoding.readVarUint(decoder);
    if (kind !== AUTH_AUTHENTICATED && kind !== AUTH_PERMISSION_DENIED) return null;
    const address = new TextDecoder().decode(frame.subarray(addressStart, addressStart + addressLength));
    return { address, authenticated: kind === AUTH_AUTHENTICATED };
  } catch {
    return null;
  }
}
