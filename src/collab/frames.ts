// The Hocuspocus wire format as clients send it, read strictly. Hocuspocus itself reads frames
// leniently: an unknown type is logged and ignored, a broken one only resets that document on a
// socket that stays open. Every frame is checked here first, so a malformed one closes its socket
// before any of it is logged or applied.
import * as decoding from 'lib0/decoding';
import { countUpdateCost, MAX_VALUE_DEPTH, UpdateCostExceeded } from '../domain/documents/update-cost.ts';
import { jsonDepthWithin } from '../domain/json-depth.ts';
import { isWellFormedStateVector } from '../domain/documents/yjs-bytes.ts';

export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  SyncReply: 4,
  Stateless: 5,
  BroadcastStateless: 6,
  Close: 7,
  Pong: 10,
} as const;

export const SyncStep = { Step1: 0, Step2: 1, Update: 2 } as const;

/** Server → client only: "your update was applied" (the provider's unsyncedChanges falls). */
export const SYNC_STATUS_MESSAGE = 8;

export type ClientFrame =
  | { kind: 'pong' }
  | {
      kind: 'message';
      documentName: string;
      type: number;
      /** The Yjs update a sync frame carries (step 2 or update), with its cost; read once, here. */
      update: ValidatedUpdate | undefined;
    };

/** A sync update read and bounded by `readClientFrame`. */
export interface ValidatedUpdate extends SyncUpdateFrame {
  /** Its count of structs, delete ranges and values (update-cost.ts). */
  cost: number;
}

/**
 * What `readClientFrame` found in the frames it passed, keyed by the frame's bytes (the very array
 * Hocuspocus hands to `beforeHandleMessage`), so the durability hook does not read and count every
 * update a second time.
 */
export type ValidatedFrames = WeakMap<Uint8Array, ValidatedUpdate>;

export class MalformedFrame extends Error {
  override name = 'MalformedFrame';
}

/** A well-formed update that would cost more than MAX_UPDATE_STRUCTS (update-cost.ts). */
export class FrameTooCostly extends Error {
  override name = 'FrameTooCostly';
}

export interface FrameLimits {
  /** Structs + delete ranges + values one update may carry. */
  maxUpdateStructs: number;
}

export type FrameHeader = { kind: 'pong' } | { kind: 'message'; address: string; documentName: string; type: number };

/** Routing only: the address and the message type, nothing of the body (pre-auth-gate.ts). */
export function readFrameHeader(data: Uint8Array): FrameHeader {
  if (isPong(data)) return { kind: 'pong' };
  try {
    const decoder = decoding.createDecoder(data);
    const address = decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    const separator = address.indexOf('\0');
    return { kind: 'message', address, documentName: separator === -1 ? address : address.slice(0, separator), type };
  } catch {
    throw new MalformedFrame('undecodable frame');
  }
}

/** The provider answers a server ping with a lone Pong byte, outside any document. */
const isPong = (data: Uint8Array) => data.length === 1 && data[0] === MessageType.Pong;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readAwarenessUpdate(bytes: Uint8Array): void {
  const decoder = decoding.createDecoder(bytes);
  const count = decoding.readVarUint(decoder);
  for (let i = 0; i < count; i += 1) {
    decoding.readVarUint(decoder); // client id
    decoding.readVarUint(decoder); // clock
    const state = decoding.readVarUint8Array(decoder);
    // JSON.parse recurses: a deeply nested state would stall the event loop (seconds for 13 MiB).
    if (!jsonDepthWithin(state, MAX_VALUE_DEPTH)) throw new MalformedFrame('awareness state nested too deep');
    JSON.parse(utf8.decode(state));
  }
}

function readUpdate(payload: Uint8Array, limits: FrameLimits): number {
  try {
    // Counted and checked in one pass without building anything, so an amplified update never
    // becomes objects, and a well-formed one becomes objects once, when it is applied.
    return countUpdateCost(payload, limits.maxUpdateStructs, { wellFormed: true });
  } catch (error) {
    if (error instanceof UpdateCostExceeded) throw new FrameTooCostly(error.message);
    throw new MalformedFrame('bad update');
  }
}

function readBody(decoder: decoding.Decoder, type: number, limits: FrameLimits): ValidatedUpdate | undefined {
  switch (type) {
    case MessageType.Sync:
    case MessageType.SyncReply: {
      const step = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (step === SyncStep.Step1) {
        if (!isWellFormedStateVector(payload)) throw new MalformedFrame('bad state vector');
        return undefined;
      }
      if (step === SyncStep.Step2 || step === SyncStep.Update) {
        const cost = readUpdate(payload, limits);
        return { step: step === SyncStep.Step2 ? 'step2' : 'update', update: payload, cost };
      }
      throw new MalformedFrame('unknown sync step');
    }
    case MessageType.Awareness:
      readAwarenessUpdate(decoding.readVarUint8Array(decoder));
      return;
    case MessageType.Auth:
      decoding.readVarUint(decoder);
      decoding.readVarString(decoder);
      return;
    case MessageType.Stateless:
      decoding.readVarString(decoder);
      return;
    case MessageType.QueryAwareness:
    case MessageType.Close:
      return;
    default:
      // Includes BroadcastStateless, which only servers may send each other.
      throw new MalformedFrame(`message type ${type} is not accepted from clients`);
  }
}

/**
 * Reads a whole client frame; throws MalformedFrame for anything a well-behaved provider never
 * sends, FrameTooCostly for an update past the struct bound.
 */
export function readClientFrame(data: Uint8Array, limits: FrameLimits): ClientFrame {
  if (isPong(data)) return { kind: 'pong' };
  try {
    const decoder = decoding.createDecoder(data);
    const address = decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    const update = readBody(decoder, type, limits);
    const separator = address.indexOf('\0');
    return { kind: 'message', documentName: separator === -1 ? address : address.slice(0, separator), type, update };
  } catch (error) {
    if (error instanceof MalformedFrame || error instanceof FrameTooCostly) throw error;
    throw new MalformedFrame('undecodable frame');
  }
}

export interface SyncUpdateFrame {
  step: 'step2' | 'update';
  /** A view into the frame, not a copy. */
  update: Uint8Array;
}

/** The Yjs update a (validated) frame carries, or null when it carries none (step 1, awareness, …). */
export function readSyncUpdate(data: Uint8Array): SyncUpdateFrame | null {
  if (isPong(data)) return null;
  const decoder = decoding.createDecoder(data);
  decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  if (type !== MessageType.Sync && type !== MessageType.SyncReply) return null;
  const step = decoding.readVarUint(decoder);
  if (step !== SyncStep.Step2 && step !== SyncStep.Update) return null;
  return { step: step === SyncStep.Step2 ? 'step2' : 'update', update: decoding.readVarUint8Array(decoder) };
}

/** Reads a varuint at `offset`: [value, next offset], or null past the end (lib0's encoding). */
function varUintAt(data: Uint8Array, offset: number): [number, number] | null {
  let value = 0;
  let multiplier = 1;
  for (let position = offset; position < data.length && position < offset + 8; position += 1) {
    const byte = data[position] as number;
    value += (byte & 0x7f) * multiplier;
    if (byte < 0x80) return [value, position + 1];
    multiplier *= 128;
  }
  return null;
}

/**
 * The message type of a frame (what follows its address), or null when it has none. Reads a few
 * bytes and builds nothing: it runs on every frame the server sends (the socket wrapper looks for
 * SyncStatus and Auth frames among the broadcasts).
 */
export function frameMessageType(data: Uint8Array): number | null {
  const length = varUintAt(data, 0);
  if (!length) return null;
  const type = varUintAt(data, length[1] + length[0]);
  return type ? type[0] : null;
}

/**
 * The document name of an outgoing SyncStatus frame (address, then type 8), or null for any other
 * frame. Runs on every frame the server sends, so it reads the type before decoding the address.
 */
export function syncStatusDocumentName(data: Uint8Array): string | null {
  if (frameMessageType(data) !== SYNC_STATUS_MESSAGE) return null;
  try {
    const address = decoding.readVarString(decoding.createDecoder(data));
    const separator = address.indexOf('\0');
    return separator === -1 ? address : address.slice(0, separator);
  } catch {
    // Not a frame we can read: it is not an acknowledgement, so it goes out as it is.
    return null;
  }
}
