// What a Yjs update will cost once applied, read from its encoded bytes without building anything
// (docs/security.md). Byte limits alone do not bound memory: an empty Y.Map item takes about 6
// encoded bytes and about 600 bytes of heap once integrated, so a 14 MiB update within
// MAX_MESSAGE_BYTES became 2.4 M objects and the process ran out of heap. This reader walks the
// update format (v1, the one providers send; yjs/src/utils/encoding.js) and counts:
// - every struct (item, GC or skip range),
// - every delete range,
// - every value inside an Any/JSON content, and every level of nesting in them,
// and stops as soon as the count passes the caller's bound, before the rest is even read. Once
// applied, each counted unit makes at most three structs (an item or a deletion can split the
// items at its two ends), so the count bounds the memory an update can take.
// Nothing is decoded into objects: strings are skipped by length, JSON strings are scanned for
// their nesting depth only.
// With `wellFormed`, the same pass also refuses everything Yjs's own decoder (Y.decodeUpdate)
// refuses, still without building the structs: invalid UTF-8 in a string, JSON that does not
// parse, a skip struct with flag bits, a subdocument without options. The collaboration frame
// reader used to run Y.decodeUpdate after the count: a second pass that built every struct of the
// update as objects (1.2 s of a 30 s stall profile, and garbage for the collector), for an answer
// this pass gives (test/domain/documents/update-cost.test.ts compares the two).
import { isUtf8 } from 'node:buffer';
import * as decoding from 'lib0/decoding';
import type * as Y from 'yjs';
import { DomainError, fieldError, payloadTooLarge } from '../errors.ts';
import { jsonDepthWithin, MAX_JSON_DEPTH } from '../json-depth.ts';

/** Deepest nesting of arrays/objects accepted inside an Any or JSON value (lib0 reads them recursively). */
export const MAX_VALUE_DEPTH = MAX_JSON_DEPTH;

export class UpdateCostExceeded extends Error {
  override name = 'UpdateCostExceeded';
}

export class UndecodableUpdate extends Error {
  override name = 'UndecodableUpdate';
}

/** Struct kinds in the info byte's low five bits (yjs/src/structs/Item.js contentRefs). */
const GC = 0;
const SKIP = 10;
const CONTENT_DELETED = 1;
const CONTENT_JSON = 2;
const CONTENT_BINARY = 3;
const CONTENT_STRING = 4;
const CONTENT_EMBED = 5;
const CONTENT_FORMAT = 6;
const CONTENT_TYPE = 7;
const CONTENT_ANY = 8;
const CONTENT_DOC = 9;
/** Type refs that carry a key (YXmlElement, YXmlHook); 0–6 are the known types. */
const TYPE_REF_XML_ELEMENT = 3;
const TYPE_REF_XML_HOOK = 5;
const TYPE_REF_MAX = 6;
const BIT6 = 32;
const BIT7 = 64;
const BIT8 = 128;
const BITS5 = 31;
/** lib0 `writeAny` type bytes of undefined and null. */
const ANY_UNDEFINED = 127;
const ANY_NULL = 126;

class Counter {
  count = 0;
  private readonly max: number;
  /** Also refuse what Y.decodeUpdate refuses (`wellFormed`). */
  readonly strict: boolean;
  constructor(max: number, strict: boolean) {
    this.max = max;
    this.strict = strict;
  }
  add(n: number): void {
    this.count += n;
    if (this.count > this.max) throw new UpdateCostExceeded(`more than ${this.max} structs`);
  }
}

/** Skips a string: its bytes (a view), which Yjs decodes as fatal UTF-8 (lib0 readVarString). */
function skipString(decoder: decoding.Decoder, counter: Counter): Uint8Array {
  const length = decoding.readVarUint(decoder);
  if (decoder.pos + length > decoder.arr.length) throw new UndecodableUpdate('string runs past the update');
  const bytes = decoder.arr.subarray(decoder.pos, decoder.pos + length);
  decoder.pos += length;
  if (counter.strict && !isUtf8(bytes)) throw new UndecodableUpdate('string is not UTF-8');
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Skips a string holding JSON, refusing one nested deeper than MAX_VALUE_DEPTH; `undefinedAllowed`:
 * the text `undefined` stands for the value (ContentJSON), which Yjs does not parse.
 */
function skipJsonString(decoder: decoding.Decoder, counter: Counter, undefinedAllowed = false): void {
  const bytes = skipString(decoder, counter);
  if (!jsonDepthWithin(bytes, MAX_VALUE_DEPTH))
    throw new UpdateCostExceeded(`JSON nested deeper than ${MAX_VALUE_DEPTH}`);
  if (!counter.strict) return;
  const text = utf8.decode(bytes);
  if (undefinedAllowed && text === 'undefined') return;
  try {
    JSON.parse(text);
  } catch {
    throw new UndecodableUpdate('JSON content does not parse');
  }
}

/** Walks one lib0 `writeAny` value, counting each value (lib0/decoding.js readAny). */
function skipAny(decoder: decoding.Decoder, counter: Counter, depth: number): void {
  if (depth > MAX_VALUE_DEPTH) throw new UpdateCostExceeded(`value nested deeper than ${MAX_VALUE_DEPTH}`);
  counter.add(1);
  const type = decoding.readUint8(decoder); // lib0 writes 127 - index of its lookup table
  switch (type) {
    case ANY_UNDEFINED:
    case ANY_NULL:
    case 121: // false
    case 120: // true
      return;
    case 125:
      decoding.readVarInt(decoder);
      return;
    case 124:
      skipBytes(decoder, 4);
      return;
    case 123:
    case 122:
      skipBytes(decoder, 8);
      return;
    case 119:
      skipString(decoder, counter);
      return;
    case 116: // bytes, not text
      skipBytes(decoder, decoding.readVarUint(decoder));
      return;
    case 118: {
      const entries = decoding.readVarUint(decoder);
      for (let i = 0; i < entries; i += 1) {
        skipString(decoder, counter);
        skipAny(decoder, counter, depth + 1);
      }
      return;
    }
    case 117: {
      const length = decoding.readVarUint(decoder);
      for (let i = 0; i < length; i += 1) skipAny(decoder, counter, depth + 1);
      return;
    }
    default:
      throw new UndecodableUpdate(`unknown value type ${type}`);
  }
}

function skipBytes(decoder: decoding.Decoder, n: number): void {
  if (decoder.pos + n > decoder.arr.length) throw new UndecodableUpdate('value runs past the update');
  decoder.pos += n;
}

function skipId(decoder: decoding.Decoder): void {
  decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
}

/** Skips an item's content; answers its length in clocks (yjs/src/structs/Content*.js getLength). */
function skipContent(decoder: decoding.Decoder, kind: number, counter: Counter): number {
  switch (kind) {
    case CONTENT_DELETED:
      return decoding.readVarUint(decoder);
    case CONTENT_JSON: {
      const length = decoding.readVarUint(decoder);
      for (let i = 0; i < length; i += 1) {
        counter.add(1);
        skipJsonString(decoder, counter, true);
      }
      return length;
    }
    case CONTENT_BINARY:
      skipBytes(decoder, decoding.readVarUint(decoder));
      return 1;
    case CONTENT_STRING:
      return utf16Length(skipString(decoder, counter));
    case CONTENT_EMBED:
      skipJsonString(decoder, counter);
      return 1;
    case CONTENT_FORMAT:
      skipString(decoder, counter);
      skipJsonString(decoder, counter);
      return 1;
    case CONTENT_TYPE: {
      const ref = decoding.readVarUint(decoder);
      if (ref > TYPE_REF_MAX) throw new UndecodableUpdate(`unknown type ref ${ref}`);
      if (ref === TYPE_REF_XML_ELEMENT || ref === TYPE_REF_XML_HOOK) skipString(decoder, counter);
      return 1;
    }
    case CONTENT_ANY: {
      const length = decoding.readVarUint(decoder);
      for (let i = 0; i < length; i += 1) skipAny(decoder, counter, 1);
      return length;
    }
    case CONTENT_DOC: {
      skipString(decoder, counter);
      // Yjs reads the options with `opts.shouldLoad`: undefined or null throws there.
      const optionsType = decoder.arr[decoder.pos];
      if (counter.strict && (optionsType === ANY_UNDEFINED || optionsType === ANY_NULL))
        throw new UndecodableUpdate('subdocument without options');
      skipAny(decoder, counter, 1);
      return 1;
    }
    default:
      throw new UndecodableUpdate(`unknown content kind ${kind}`);
  }
}

/**
 * The length in UTF-16 code units (a Yjs string's clock length) of well-formed UTF-8: one unit per
 * character, two for one past U+FFFF (a four-byte sequence).
 */
function utf16Length(bytes: Uint8Array): number {
  let units = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] as number;
    if ((byte & 0xc0) !== 0x80) units += byte >= 0xf0 ? 2 : 1;
  }
  return units;
}

/** Counts nothing that matters: `skipStruct` only needs the strict checks. */
const UNBOUNDED_STRICT = new Counter(Number.POSITIVE_INFINITY, true);

/** One struct of a v1 update skipped: its kind ('skip' for a skip range, which a stored state never holds) and its clock length. */
export interface SkippedStruct {
  skip: boolean;
  length: number;
}

/**
 * Skips one struct of a v1 update (its info byte and body) without building it, refusing what
 * Yjs's decoder refuses (`wellFormed`). `into` is reused from one struct to the next.
 */
export function skipStruct(decoder: decoding.Decoder, into: SkippedStruct): SkippedStruct {
  const counter = UNBOUNDED_STRICT;
  const info = decoding.readUint8(decoder);
  const kind = info & BITS5;
  if (kind === GC || kind === SKIP) {
    if (kind === SKIP && info !== SKIP) throw new UndecodableUpdate('skip struct with flag bits');
    into.skip = kind === SKIP;
    into.length = decoding.readVarUint(decoder);
    return into;
  }
  if (info & BIT8) skipId(decoder); // origin
  if (info & BIT7) skipId(decoder); // right origin
  if ((info & (BIT7 | BIT8)) === 0) {
    if (decoding.readVarUint(decoder) === 1) skipString(decoder, counter);
    else skipId(decoder);
    if (info & BIT6) skipString(decoder, counter);
  }
  into.skip = false;
  into.length = skipContent(decoder, kind, counter);
  return into;
}

export interface CountOptions {
  /**
   * Also throw UndecodableUpdate for everything Y.decodeUpdate refuses (see the top of this
   * file), so that one pass answers both "how much" and "is it an update".
   */
  wellFormed?: boolean;
  /**
   * Called for every struct (an item with where it asks to be placed, a GC, a skip:
   * integration-cost.ts); the object is reused from one struct to the next.
   */
  placements?: (item: ItemPlacement) => void;
  /** Called for every range of the delete set. */
  deletes?: (client: number, clock: number, length: number) => void;
}

/** Where an item of an update asks to go: its origins, and its parent when it names one. */
export interface ItemPlacement {
  /** `gc` and `skip` structs carry only their id and length. */
  kind: 'item' | 'gc' | 'skip';
  client: number;
  clock: number;
  /** In clocks: the struct covers `clock` to `clock + length - 1`. */
  length: number;
  /** The left origin's client and clock; -1 when the item has none. */
  originClient: number;
  originClock: number;
  /** The right origin's; -1 when none. */
  rightClient: number;
  rightClock: number;
  /** Named only when the item has no origin on either side: a root type's name… */
  parentName: string | null;
  /** …or the id of the item holding the parent type (-1 when named or not given). */
  parentClient: number;
  parentClock: number;
  /** The map key, when the item is a map entry and names its parent. */
  parentSub: string | null;
}

/** What the `placements` callback threw, passed on as it is. */
class PlacementsStopped extends Error {
  override name = 'PlacementsStopped';
}

function readPlacement(decoder: decoding.Decoder, info: number, counter: Counter, placement: ItemPlacement): void {
  placement.originClient = -1;
  placement.originClock = -1;
  placement.rightClient = -1;
  placement.rightClock = -1;
  placement.parentName = null;
  placement.parentClient = -1;
  placement.parentClock = -1;
  placement.parentSub = null;
  if (info & BIT8) {
    placement.originClient = decoding.readVarUint(decoder);
    placement.originClock = decoding.readVarUint(decoder);
  }
  if (info & BIT7) {
    placement.rightClient = decoding.readVarUint(decoder);
    placement.rightClock = decoding.readVarUint(decoder);
  }
  if ((info & (BIT7 | BIT8)) === 0) {
    if (decoding.readVarUint(decoder) === 1) placement.parentName = decodeText(skipString(decoder, counter));
    else {
      placement.parentClient = decoding.readVarUint(decoder);
      placement.parentClock = decoding.readVarUint(decoder);
    }
    if (info & BIT6) placement.parentSub = decodeText(skipString(decoder, counter));
  }
}

function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new UndecodableUpdate('string is not UTF-8');
  }
}

/**
 * The cost of a v1 update: structs + delete ranges + values inside Any/JSON contents. Throws
 * UpdateCostExceeded as soon as it passes `max`, UndecodableUpdate when the bytes are not an
 * update (a truncated one included).
 */
export function countUpdateCost(
  update: Uint8Array,
  max = Number.POSITIVE_INFINITY,
  options: CountOptions = {},
): number {
  const counter = new Counter(max, options.wellFormed === true);
  const decoder = decoding.createDecoder(update);
  const { placements } = options;
  const placement: ItemPlacement = {
    kind: 'item',
    client: 0,
    clock: 0,
    length: 0,
    originClient: -1,
    originClock: -1,
    rightClient: -1,
    rightClock: -1,
    parentName: null,
    parentClient: -1,
    parentClock: -1,
    parentSub: null,
  };
  try {
    const clients = decoding.readVarUint(decoder);
    for (let c = 0; c < clients; c += 1) {
      const structs = decoding.readVarUint(decoder);
      // A declared count past the bound is refused before a single struct is read.
      if (counter.count + structs > max) throw new UpdateCostExceeded(`more than ${max} structs`);
      const client = decoding.readVarUint(decoder);
      let clock = decoding.readVarUint(decoder);
      for (let s = 0; s < structs; s += 1) {
        counter.add(1);
        const info = decoding.readUint8(decoder);
        const kind = info & BITS5;
        // Yjs reads a skip only from the bare info byte 10; with flag bits it is an unknown content.
        if (kind === GC || (kind === SKIP && (info === SKIP || !counter.strict))) {
          const length = decoding.readVarUint(decoder);
          if (placements) {
            placement.kind = kind === GC ? 'gc' : 'skip';
            placement.client = client;
            placement.clock = clock;
            placement.length = length;
            try {
              placements(placement);
            } catch (error) {
              throw new PlacementsStopped('placements stopped', { cause: error });
            }
          }
          clock += length;
          continue;
        }
        if (placements) {
          readPlacement(decoder, info, counter, placement);
          placement.kind = 'item';
          placement.client = client;
          placement.clock = clock;
          placement.length = skipContent(decoder, kind, counter);
          clock += placement.length;
          try {
            placements(placement);
          } catch (error) {
            throw new PlacementsStopped('placements stopped', { cause: error });
          }
          continue;
        }
        if (info & BIT8) skipId(decoder); // origin
        if (info & BIT7) skipId(decoder); // right origin
        if ((info & (BIT7 | BIT8)) === 0) {
          // The parent: a root type's name, or the id of the item holding the parent type.
          if (decoding.readVarUint(decoder) === 1) skipString(decoder, counter);
          else skipId(decoder);
          if (info & BIT6) skipString(decoder, counter); // parent sub (map key)
        }
        skipContent(decoder, kind, counter);
      }
    }
    // The delete set: per client, its ranges.
    const deleteClients = decoding.readVarUint(decoder);
    for (let c = 0; c < deleteClients; c += 1) {
      const client = decoding.readVarUint(decoder);
      const ranges = decoding.readVarUint(decoder);
      if (counter.count + ranges > max) throw new UpdateCostExceeded(`more than ${max} structs`);
      for (let r = 0; r < ranges; r += 1) {
        counter.add(1);
        const clock = decoding.readVarUint(decoder);
        const length = decoding.readVarUint(decoder);
        options.deletes?.(client, clock, length);
      }
    }
  } catch (error) {
    if (error instanceof UpdateCostExceeded || error instanceof UndecodableUpdate) throw error;
    if (error instanceof PlacementsStopped) throw error.cause;
    // lib0 throws plain Errors for a varint or string cut short.
    throw new UndecodableUpdate('undecodable update');
  }
  return counter.count;
}

/** The cost of bytes already stored (a state, log entries); an undecodable entry counts nothing (it is skipped on load). */
export function storedCost(updates: Iterable<Uint8Array>): number {
  let cost = 0;
  for (const update of updates) {
    try {
      cost += countUpdateCost(update);
    } catch {
      // Skipped by applyUpdatesTolerantly on load: it adds nothing to the document.
    }
  }
  return cost;
}

/** What a live document's bound is taken from: the process's ledger, or a user's share of it. */
export interface CostAccount {
  /** Takes `cost` when it fits; false (nothing taken) when it does not. */
  take(cost: number): boolean;
  /** Takes `cost` whether or not it fits: cost already in memory (relayed, applied elsewhere). */
  force(cost: number): void;
  give(cost: number): void;
  /** The SERVICE_UNAVAILABLE for the last `take` refused: which budget was spent. */
  refused(): LiveBudgetExhausted;
}

/**
 * MAX_LIVE_STRUCTS: the cost bounds of every document this process holds decoded, added up: the
 * collaboration server's live documents for as long as they are in memory, and every document
 * decoded elsewhere (decode-budget.ts) while it is. A document's own bound (MAX_DOCUMENT_STRUCTS)
 * caps one document, not how many a user may open; this caps them together, so no sequence of
 * opens, updates and reads within the per-document limits can take the heap past it
 * (docs/security.md, "Memory budget").
 */
export interface LiveCostLedger extends CostAccount {
  readonly max: number;
  readonly total: number;
  /**
   * Takes `cost` once it fits, waiting for what others give back; a cost larger than `max` is
   * taken once nothing else is held (it could never fit otherwise).
   */
  takeWhenFits(cost: number): Promise<void>;
  /** A new `max` (MAX_LIVE_STRUCTS of the server just started); what is held stays held. */
  resize(max: number): void;
  /**
   * `reclaim` gives back what it holds that nobody needs (decoded copies kept for reuse,
   * decoded-copies.ts): called, synchronously, before a `take` is refused, so such holdings are
   * dropped first under pressure. Answers the function that unregisters it.
   */
  onPressure(reclaim: () => void): () => void;
}

export function createLiveCostLedger(initialMax: number): LiveCostLedger {
  let max = initialMax;
  let total = 0;
  let waiters: Array<() => void> = [];
  const reclaimers = new Set<() => void>();
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };
  const ledger: LiveCostLedger = {
    get max() {
      return max;
    },
    get total() {
      return total;
    },
    take(cost) {
      if (total + cost > max) for (const reclaim of [...reclaimers]) reclaim();
      if (total + cost > max) return false;
      total += cost;
      return true;
    },
    force(cost) {
      total += cost;
    },
    give(cost) {
      total = Math.max(0, total - cost);
      if (waiters.length > 0) wake();
    },
    onPressure(reclaim) {
      reclaimers.add(reclaim);
      return () => reclaimers.delete(reclaim);
    },
    async takeWhenFits(cost) {
      while (!ledger.take(cost)) {
        if (total === 0) {
          total += cost;
          return;
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    resize(next) {
      max = next;
      if (waiters.length > 0) wake();
    },
    refused: () => liveBudgetExhausted(),
  };
  return ledger;
}

/**
 * The process's ledger. The budget is the heap's, and the heap is the process's: the collaboration
 * server, the REST routes, pulls, compaction and export all take from this one. A process serves
 * one server; when a test starts several in one process they share it, and the last one started
 * sets its `max` (createDocumentService).
 */
const processLedger = createLiveCostLedger(Number.POSITIVE_INFINITY);

export function documentCostLedger(): LiveCostLedger {
  return processLedger;
}

/** What a refused HTTP request is told to wait (Retry-After): about a store debounce, when documents leave memory. */
const LIVE_BUDGET_RETRY_SECONDS = 5;

/** SERVICE_UNAVAILABLE: the process holds as much document content as MAX_LIVE_STRUCTS allows. */
export class LiveBudgetExhausted extends DomainError {
  constructor() {
    super(
      'SERVICE_UNAVAILABLE',
      'The server holds as many documents as its memory budget allows; try again later',
      undefined,
      LIVE_BUDGET_RETRY_SECONDS,
    );
  }
}

export const liveBudgetExhausted = () => new LiveBudgetExhausted();

/** SERVICE_UNAVAILABLE: the user's live documents hold their MAX_USER_LIVE_STRUCTS share. */
export class UserShareExhausted extends LiveBudgetExhausted {
  override message =
    'Your documents hold your share of the memory budget (MAX_USER_LIVE_STRUCTS); close some and retry';
}

/**
 * MAX_USER_LIVE_STRUCTS: one user's share of the process's ledger, so that one account filling
 * documents cannot spend MAX_LIVE_STRUCTS and have every other user's loads and edits refused
 * (docs/security.md, "Memory budget"). The rule, here only: a live document's whole bound (its
 * load and every update admitted or relayed into it, until it unloads) is charged to the note's
 * owner. Every socket of a document is its owner's (collab authentication opens only the caller's
 * own notes), so that owner is also the sender of every update it grows by. Documents decoded
 * outside the collaboration server (decode-budget.ts) are short-lived and take from the process's
 * ledger only.
 */
export interface UserShares {
  /** The account a document owned by `userId` takes its bound from: the user's share and the process's ledger both. */
  accountOf(userId: string): CostAccount;
  /** What `userId`'s live documents hold now. */
  heldBy(userId: string): number;
  /** A new share (MAX_USER_LIVE_STRUCTS of the server just started); what is held stays held. */
  resize(max: number): void;
}

export function createUserShares(initialMax: number, ledger: LiveCostLedger): UserShares {
  let max = initialMax;
  /** Only users holding something: an entry goes when its user's documents have all left. */
  const held = new Map<string, number>();
  const heldBy = (userId: string) => held.get(userId) ?? 0;
  const add = (userId: string, cost: number) => {
    const next = Math.max(0, heldBy(userId) + cost);
    if (next === 0) held.delete(userId);
    else held.set(userId, next);
  };
  return {
    accountOf(userId) {
      let shareSpent = false;
      return {
        take(cost) {
          shareSpent = false;
          if (heldBy(userId) + cost > max) {
            // Past both: the process's budget is named, the fuller truth (and the only one when they are equal).
            shareSpent = ledger.total + cost <= ledger.max;
            return false;
          }
          if (!ledger.take(cost)) return false;
          add(userId, cost);
          return true;
        },
        force(cost) {
          ledger.force(cost);
          add(userId, cost);
        },
        give(cost) {
          ledger.give(cost);
          add(userId, -cost);
        },
        refused: () => (shareSpent ? new UserShareExhausted() : ledger.refused()),
      };
    },
    heldBy,
    resize(next) {
      max = next;
    },
  };
}

/** The process's user shares, over its one ledger (`documentCostLedger`); sized like it (createDocumentService). */
const processUserShares = createUserShares(Number.POSITIVE_INFINITY, processLedger);

export function userCostShares(): UserShares {
  return processUserShares;
}

/**
 * MAX_DOCUMENT_STRUCTS for a loaded document, kept incrementally: the bound is the cost it loaded
 * from plus the cost of every update admitted since (each update's own count, read by the frame
 * reader), so checking an edit costs nothing that grows with the document. The bound is held in
 * the process's ledger (MAX_LIVE_STRUCTS) from creation until `release`.
 *
 * The bound over-counts (typing merges into few items, log entries overlapping the stored state
 * are counted twice), so near the limit the state is encoded and counted exactly: once after the
 * load, then only once the updates admitted since the last exact count add up to 1/RECOUNT_SHARE
 * of the bound: the O(document) recount is then paid for by that much growth, at most
 * RECOUNT_SHARE counted structs per admitted one. It used to run on every update whose bound passed the limit: a document at
 * the limit re-encoded all of itself for each keystroke (1.5 M structs for a 100k-block note).
 *
 * The limit guards growth by updates, not what is already stored: a document loaded at or past it
 * (imported, or stored while the limit was higher) stays editable and may grow by
 * 1/OVER_LIMIT_GROWTH_SHARE of the limit while it is in memory (docs/security.md).
 */
export interface DocumentCostBudget {
  /**
   * Throws PAYLOAD_TOO_LARGE when an update of `cost` could take the document past its ceiling, and
   * SERVICE_UNAVAILABLE when it would take the process past MAX_LIVE_STRUCTS or its owner past
   * MAX_USER_LIVE_STRUCTS (UserShareExhausted).
   */
  admit(doc: Y.Doc, cost: number): void;
  /** Counts cost admitted elsewhere (an update checked against the exact state before it was logged). */
  grow(cost: number): void;
  /** The document left memory: its bound goes back to the ledger. */
  release(): void;
  readonly bound: number;
  /** What the bound may reach: MAX_DOCUMENT_STRUCTS, or more for a document loaded past it. */
  readonly ceiling: number;
}

/** A recount near the limit waits for admitted growth of at least bound / RECOUNT_SHARE. */
export const RECOUNT_SHARE = 8;
/** A document loaded past the limit may grow by limit / OVER_LIMIT_GROWTH_SHARE in memory. */
export const OVER_LIMIT_GROWTH_SHARE = 10;

export function documentTooComplex(maxStructs: number) {
  return payloadTooLarge(`The document would hold more than ${maxStructs} structs`);
}

/**
 * Throws SERVICE_UNAVAILABLE (nothing taken) when `initialCost` does not fit in the ledger.
 * `onRecount` is told of each exact recount (a metric: what an edit near the limit costs).
 */
export function createDocumentCostBudget(
  maxStructs: number,
  initialCost: number,
  encodeState: (doc: Y.Doc) => Uint8Array,
  ledger: CostAccount = createLiveCostLedger(Number.POSITIVE_INFINITY),
  onRecount: () => void = () => {},
): DocumentCostBudget {
  if (!ledger.take(initialCost)) throw ledger.refused();
  let bound = initialCost;
  /** Admitted (or grown) since the bound was last exact. */
  let sinceExact = 0;
  /** The loaded bound may count log entries twice: one recount is paid for by the load's own count. */
  let counted = false;
  let released = false;
  const allowance = Math.max(1, Math.floor(maxStructs / OVER_LIMIT_GROWTH_SHARE));
  /** Past the limit on the loaded bound: the allowance counts from there until the first exact count. */
  const ceilingOf = (loaded: number) => (loaded < maxStructs ? maxStructs : loaded + allowance);
  let ceiling = ceilingOf(initialCost);
  /** Replaces the bound with the exact cost of the state (never more than the bound). */
  const recount = (doc: Y.Doc) => {
    onRecount();
    const exact = countUpdateCost(encodeState(doc));
    ledger.give(bound - exact);
    // The first exact count is what the document was loaded at (plus what came since).
    if (!counted) ceiling = ceilingOf(exact);
    bound = exact;
    sinceExact = 0;
    counted = true;
  };
  return {
    admit(doc, cost) {
      if (bound + cost > ceiling && (!counted || sinceExact * RECOUNT_SHARE >= bound)) recount(doc);
      if (bound + cost > ceiling) throw documentTooComplex(maxStructs);
      // No exact recount here: with the ledger full, every update of every document would pay one.
      if (!ledger.take(cost)) throw ledger.refused();
      bound += cost;
      sinceExact += cost;
    },
    grow(cost) {
      ledger.force(cost);
      bound += cost;
      sinceExact += cost;
    },
    release() {
      if (released) return;
      released = true;
      ledger.give(bound);
    },
    get bound() {
      return bound;
    },
    get ceiling() {
      return ceiling;
    },
  };
}

export interface StructLimits {
  maxUpdateStructs: number;
  maxDocumentStructs: number;
}

/**
 * The cost of `update` when a document of cost `currentStructs` may take it; throws
 * PAYLOAD_TOO_LARGE past either bound and VALIDATION_ERROR (field `update`) for bytes that are
 * not an update.
 */
export function admitUpdateCost(
  update: Uint8Array,
  currentStructs: number,
  limits: StructLimits,
  options: CountOptions = {},
): number {
  let cost: number;
  try {
    cost = countUpdateCost(update, limits.maxUpdateStructs, options);
  } catch (error) {
    if (error instanceof UpdateCostExceeded)
      throw payloadTooLarge(`The update holds more than ${limits.maxUpdateStructs} structs`);
    throw fieldError('update', 'is not a Yjs update');
  }
  if (currentStructs + cost > limits.maxDocumentStructs) throw documentTooComplex(limits.maxDocumentStructs);
  return cost;
}
