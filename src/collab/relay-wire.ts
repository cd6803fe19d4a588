// What the instances send each other through Redis (redis-relay.ts). The format is the one
// @hocuspocus/extension-redis 4.7 used, which this project ran before it owned the relay, so
// instances of both releases relay to each other during a rolling upgrade:
//
// - channels: `<prefix>:collab:<document name>` for every instance holding the document, and
//   `<prefix>:collab#reply:<instance identifier>` for answers meant for one instance only (`#`
//   cannot occur in a document name, so the two never collide);
// - message: [identifier length, one byte][identifier, UTF-8][a Hocuspocus frame], the frame being
//   [document name, var string][message type, var uint][body], as clients send it (frames.ts).
//
// Only what one instance may ask of another is accepted: sync (step 1, step 2, update) and
// awareness (an update, or a query for it). Anything else on a channel is dropped unread.
import * as decoding from 'lib0/decoding';
import { MessageType, SyncStep } from './frames.ts';

/** Identifiers are sent behind a one-byte length. */
const MAX_IDENTIFIER_BYTES = 255;

export const documentChannel = (prefix: string, documentName: string) => `${prefix}:collab:${documentName}`;

export const replyChannel = (prefix: string, identifier: string) => `${prefix}:collab#reply:${identifier}`;

/** What a relayed frame asks of the receiving instance. */
export type RelayedKind = 'state-request' | 'state' | 'awareness' | 'awareness-request';

export interface RelayMessage {
  /** The identifier of the sending instance. */
  sender: string;
  documentName: string;
  kind: RelayedKind;
  /** The Hocuspocus frame, document name included. */
  frame: Uint8Array;
}

/** The bytes every message of an instance starts with. */
export function senderHeader(identifier: string): Buffer {
  const bytes = Buffer.from(identifier, 'utf8');
  if (bytes.length === 0 || bytes.length > MAX_IDENTIFIER_BYTES)
    throw new Error(`a relay identifier has 1–${MAX_IDENTIFIER_BYTES} bytes`);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

export function encodeRelayMessage(header: Buffer, frame: Uint8Array): Buffer {
  return Buffer.concat([header, frame]);
}

function kindOf(type: number, decoder: decoding.Decoder): RelayedKind | null {
  switch (type) {
    case MessageType.Sync:
    case MessageType.SyncReply: {
      const step = decoding.readVarUint(decoder);
      if (step === SyncStep.Step1) return 'state-request';
      return step === SyncStep.Step2 || step === SyncStep.Update ? 'state' : null;
    }
    case MessageType.Awareness:
      return 'awareness';
    case MessageType.QueryAwareness:
      return 'awareness-request';
    default:
      return null;
  }
}

/** Null for anything that is not a well-framed message of a kind above. */
export function decodeRelayMessage(data: Uint8Array): RelayMessage | null {
  const length = data[0];
  if (length === undefined || length === 0 || data.length <= 1 + length) return null;
  const sender = Buffer.from(data.buffer, data.byteOffset + 1, length).toString('utf8');
  const frame = data.subarray(1 + length);
  try {
    const decoder = decoding.createDecoder(frame);
    const documentName = decoding.readVarString(decoder);
    const kind = kindOf(decoding.readVarUint(decoder), decoder);
    return kind === null ? null : { sender, documentName, kind, frame };
  } catch {
    return null;
  }
}
