// How much work Yjs will do to place an update's items in a document, bounded before it is
// applied (docs/security.md, "Integration cost"). Yjs places an item by scanning the items between
// its left origin and its right origin that were inserted concurrently (YATA's conflict
// resolution, Item.integrate in yjs), with two Sets and two store lookups per step. A client sets
// the origins to the item's neighbours, so a real edit scans a handful of items; but nothing
// stops an update from naming origins far apart (both absent: "somewhere in this array"), and
// then every item scans the whole run between them: 20 such items (107 bytes) into an array of
// 500 000 items held the event loop 7.5 s, and the cost grows with items × document
// (bench/probes/yjs-integration-scan.ts).
//
// So, before an update is logged or applied, its items are placed the way Yjs would place them,
// without building anything: in Yjs's order (integrateStructs: clients from the highest, an item
// whose origin another client of the update holds after that client's items), holding back what
// Yjs would hold back (an earlier clock or an origin it lacks). For each item the items Yjs may
// pass over are counted, an upper bound of its scan, and the update is refused once the count
// passes MAX_INTEGRATION_STEPS, before Yjs does the same walk at ~20× the cost per step:
// - an item whose left origin is in the document (or who has none: the start of its list, or of
//   its map key's entries) passes the document's items up to its right origin (or the end), each
//   with the items of this update already placed right after it and the pieces it was split into
//   (an origin inside an item splits it);
// - an item whose left origin is new (in this update, or released from the held-back ones) passes
//   only that origin's descendants (the items whose origin is in it, recursively) already placed:
//   Yjs stops at the first item after it that does not descend from it, and no item of the
//   document names a new one;
// - a right origin that is new stops the walk where that item went, when that is known: its own
//   walk met its right neighbour after its left one. Otherwise the walk goes on to the end.
// But Yjs scans only when the origins are not neighbours (Item.integrate: the left origin's right
// neighbour is not the right origin; without a left origin, the right origin is not its list's first
// item). Where the check knows the neighbours exactly (the document's, until an item goes anywhere
// but between two neighbours: then its list is unknown), such an item walks nothing: a device's own
// offline edits, sent in one update, each went between two neighbours in the order Yjs applies them.
// Items Yjs holds back (doc.store.pendingStructs) are placed when the update releases them, as Yjs
// does: the held-back update is walked after this one, and charged to it. Held-back structs and
// delete ranges are kept in memory and re-read by Yjs at every update (the delete ranges), so their
// number is bounded too (MAX_PENDING_STRUCTS): an update that would take it past the bound is
// refused the same way.
import * as Y from 'yjs';
import { payloadTooLarge } from '../errors.ts';
import { countUpdateCost, type ItemPlacement } from './update-cost.ts';

/** Items walked, over an update's items, past which it is refused: ~30–50 ms of Yjs's scan. */
export const MAX_INTEGRATION_STEPS = 100_000;

/** Structs and delete ranges Yjs may hold back (missing an earlier clock or an origin) per document. */
export const MAX_PENDING_STRUCTS = 10_000;

type Limit = 'MAX_INTEGRATION_STEPS' | 'MAX_PENDING_STRUCTS';

export class IntegrationTooCostly extends Error {
  override name = 'IntegrationTooCostly';
  readonly limit: Limit;
  readonly max: number;
  constructor(message: string, limit: Limit, max: number) {
    super(message);
    this.limit = limit;
    this.max = max;
  }
}

/** Where a list begins: the scan of an item without a left origin starts there. */
interface ListStart {
  type: Y.AbstractType<unknown> | null;
  key: string | null;
}

/** Right after the clock `offset` of a document item (its first clock: 0; -1: just before it). */
interface Position {
  item: Y.Item;
  offset: number;
}

/** Where an item of the update goes after: it lands somewhere after it. */
type Anchor = Position | ListStart;

/** What Yjs passes right after one position: new items placed there, the pieces of a split. */
interface Entry {
  offset: number;
  weight: number;
  /** A piece of the document item itself (split there), which lies after the new items there. */
  piece: boolean;
}

/** A struct of the update, with what its placement found once it is placed. */
interface NewStruct extends ItemPlacement {
  anchor: Anchor | null;
  /** The list it is in (a list of this update's own type: type null). */
  list: ListStart | null;
  /** When `bounded`: it lies at or before this position (null: the end of its list). */
  bound: Position | null;
  bounded: boolean;
  /**
   * What Yjs passes where it was placed: it and the pieces it is split into, with the rest of its
   * family (an item placed after a new one shares that one's entry).
   */
  entry: Entry | null;
  /** The new items whose left origin is in it. */
  children: NewStruct[] | null;
  /** Extra pieces Yjs splits it into (an origin inside it). */
  splits: number;
  /** Without a left origin: who shares its client and right origin at its list's start (Yjs stops at them). */
  twin: string | number | null;
  /** Placed between origins that were neighbours: Yjs scanned nothing (see `place`). */
  exact: boolean;
}

type Resolved = Y.Item | Y.GC | NewStruct | null;

const isPosition = (anchor: Anchor | null): anchor is Position => anchor !== null && 'item' in anchor;

/** A struct's record, copied from the reader's (reused) placement. */
function record(p: ItemPlacement): NewStruct {
  return {
    kind: p.kind,
    client: p.client,
    clock: p.clock,
    length: p.length,
    originClient: p.originClient,
    originClock: p.originClock,
    rightClient: p.rightClient,
    rightClock: p.rightClock,
    parentName: p.parentName,
    parentClient: p.parentClient,
    parentClock: p.parentClock,
    parentSub: p.parentSub,
    anchor: null,
    list: null,
    bound: null,
    bounded: false,
    entry: null,
    children: null,
    twin: null,
    splits: 0,
    exact: false,
  };
}

/**
 * The common shape, read without a record per struct: one client's items from the clock the
 * document expects, each after the one before it (typing, a paste, an append), right origins in
 * the document or none, nothing held back in the document. Yjs places each item after the first
 * right after the one before, which nothing else of the update descends from: it passes at most
 * the item the one before stopped at (one step), and nothing when the first went between
 * neighbours (then the one before stopped at its right origin) and it names the same right origin.
 * Answers the first item's record, the client's next clock, and the items after the first: all of
 * them, and those naming another right origin than the first.
 */
function chainHead(
  doc: Y.Doc,
  update: Uint8Array,
  deletes: (client: number, clock: number, length: number) => void,
): { first: NewStruct; end: number; others: number; moved: number } | null {
  if (doc.store.pendingStructs) return null;
  const present = (client: number, clock: number) => clock < Y.getState(doc.store, client);
  let first: NewStruct | null = null;
  let chain = true;
  let end = -1;
  let others = 0;
  let moved = 0;
  countUpdateCost(update, Number.POSITIVE_INFINITY, {
    deletes,
    placements: (p) => {
      if (!chain) return;
      if (p.kind !== 'item' || (p.rightClient >= 0 && !present(p.rightClient, p.rightClock))) chain = false;
      else if (first === null) {
        const whole =
          p.clock === Y.getState(doc.store, p.client) &&
          (p.originClient < 0 || present(p.originClient, p.originClock)) &&
          (p.parentClient < 0 || present(p.parentClient, p.parentClock));
        if (whole) first = record(p);
        else chain = false;
      } else if (
        p.client !== first.client ||
        p.clock !== end ||
        p.originClient !== p.client ||
        p.originClock !== end - 1
      )
        chain = false;
      else {
        others += 1;
        if (p.rightClient !== first.rightClient || p.rightClock !== first.rightClock) moved += 1;
      }
      end = p.clock + p.length;
    },
  });
  return chain && first !== null ? { first, end, others, moved } : null;
}

function readStructs(update: Uint8Array, deletes?: (client: number, clock: number, length: number) => void) {
  // A client listed twice: Yjs keeps its last list (readClientsStructRefs), so do we.
  const byClient = new Map<number, NewStruct[]>();
  let current: NewStruct[] = [];
  let currentClient = -1;
  let expected = -1;
  countUpdateCost(update, Number.POSITIVE_INFINITY, {
    deletes,
    placements: (p) => {
      // A client's structs follow each other clock after clock: anything else starts its next list.
      if (p.client !== currentClient || p.clock !== expected) {
        current = [];
        byClient.set(p.client, current);
        currentClient = p.client;
      }
      expected = p.clock + p.length;
      current.push(record(p));
    },
  });
  return byClient;
}

/** What one check knows: the document, the items of the update placed so far, the count. */
class Placement {
  steps = 0;
  /** Structs Yjs would hold back after the last pass. */
  held = 0;
  private readonly doc: Y.Doc;
  private readonly max: number;
  /** Entries read to sum a range (not all of them passed): bounded like the steps. */
  private reads = 0;
  private readonly state = new Map<number, number>();
  private readonly placed = new Map<number, NewStruct[]>();
  /** Per document item: what Yjs passes inside it besides itself, by position. */
  private readonly entries = new Map<Y.Item, Entry[]>();
  /** Per list start: the weight of new items placed there. */
  private readonly atStart = new Map<ListStart, number>();
  /** Per list start and twin key: the weight of the items placed there with that key. */
  private readonly twins = new Map<ListStart, Map<string | number, number>>();
  private readonly starts = new Map<unknown, Map<string | null, ListStart>>();
  /** Where a piece starts (`client:clock`): Yjs splits there once. */
  private readonly pieces = new Set<string>();
  /**
   * Neighbours known exactly (see `place`), by element (`client:clock`, one per clock, so a split
   * changes nothing): the element after one (null: the end of its list), set where an item went
   * between its origins; elsewhere the document's. And a list's first element.
   */
  private readonly nextOf = new Map<string, string | null>();
  private readonly firstOf = new Map<ListStart, string | null>();
  /** Lists an item went into somewhere the check does not know exactly: no neighbour there is known. */
  private readonly unknown = new Set<ListStart>();

  constructor(doc: Y.Doc, max: number) {
    this.doc = doc;
    this.max = max;
  }

  clock(client: number): number {
    return this.state.get(client) ?? Y.getState(this.doc.store, client);
  }

  /** The rest of a chain placed (see chainHead): at most `steps` walked, the client's clock moves on. */
  advance(client: number, clock: number, steps: number): void {
    this.count(steps);
    this.state.set(client, clock);
  }

  /** Yjs's integrateStructs, placing instead of integrating. */
  pass(byClient: Map<number, NewStruct[]>): void {
    const queues = new Map<number, { refs: NewStruct[]; i: number }>();
    for (const [client, refs] of byClient) queues.set(client, { refs, i: 0 });
    let ids = [...queues.keys()].sort((a, b) => a - b);
    this.held = 0;
    const next = () => {
      while (ids.length > 0) {
        const target = queues.get(ids[ids.length - 1] as number);
        if (target && target.i < target.refs.length) return target;
        ids.pop();
      }
      return null;
    };
    let current = next();
    if (current === null) return;
    let head = current.refs[current.i++] as NewStruct;
    const stack: NewStruct[] = [];
    const holdStack = () => {
      for (const struct of stack) {
        const queue = queues.get(struct.client);
        if (queue) {
          queue.i -= 1;
          for (let i = queue.i; i < queue.refs.length; i += 1) if (queue.refs[i]?.kind !== 'skip') this.held += 1;
          queues.delete(struct.client);
          queue.i = 0;
          queue.refs = [];
        } else this.held += 1;
        ids = ids.filter((client) => client !== struct.client);
      }
      stack.length = 0;
    };
    for (;;) {
      if (head.kind !== 'skip') {
        const offset = this.clock(head.client) - head.clock;
        if (offset < 0) {
          stack.push(head);
          holdStack();
        } else {
          const missing = this.missing(head);
          if (missing !== null) {
            stack.push(head);
            const queue = queues.get(missing);
            if (!queue || queue.i === queue.refs.length) holdStack();
            else {
              head = queue.refs[queue.i++] as NewStruct;
              continue;
            }
          } else if (offset === 0 || offset < head.length) this.place(head, offset);
        }
      }
      const popped = stack.pop();
      if (popped) head = popped;
      else if (current !== null && current.i < current.refs.length) head = current.refs[current.i++] as NewStruct;
      else {
        current = next();
        if (current === null) break;
        head = current.refs[current.i++] as NewStruct;
      }
    }
  }

  /** The client whose struct this one waits for (Item.getMissing), or null. */
  private missing(struct: NewStruct): number | null {
    if (struct.kind !== 'item') return null;
    const { client } = struct;
    if (
      struct.originClient >= 0 &&
      struct.originClient !== client &&
      struct.originClock >= this.clock(struct.originClient)
    )
      return struct.originClient;
    if (struct.rightClient >= 0 && struct.rightClient !== client && struct.rightClock >= this.clock(struct.rightClient))
      return struct.rightClient;
    if (
      struct.parentClient >= 0 &&
      struct.parentClient !== client &&
      struct.parentClock >= this.clock(struct.parentClient)
    )
      return struct.parentClient;
    return null;
  }

  /** The struct holding `(client, clock)`: in the document, placed by this check, or null. */
  resolve(client: number, clock: number): Resolved {
    if (clock < Y.getState(this.doc.store, client))
      return Y.getItem(this.doc.store, Y.createID(client, clock)) as Y.Item | Y.GC;
    if (clock >= this.clock(client)) return null;
    const placed = this.placed.get(client);
    if (!placed) return null;
    // Most often the struct just placed (a chain of items, each after the one before).
    const newest = placed[placed.length - 1] as NewStruct;
    if (clock >= newest.clock && clock < newest.clock + newest.length) return newest;
    let low = 0;
    let high = placed.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const struct = placed[middle] as NewStruct;
      if (clock < struct.clock) high = middle - 1;
      else if (clock >= struct.clock + struct.length) low = middle + 1;
      else return struct;
    }
    return null;
  }

  private listStart(type: unknown, key: string | null, known: Y.AbstractType<unknown> | null): ListStart {
    let keys = this.starts.get(type);
    if (!keys) {
      keys = new Map();
      this.starts.set(type, keys);
    }
    let start = keys.get(key);
    if (!start) {
      start = { type: known, key };
      keys.set(key, start);
    }
    return start;
  }

  /** Adds `weight` to what Yjs passes at `anchor`; answers the entry (a position's) to grow later. */
  private addAt(anchor: Anchor, weight: number, piece = false): Entry | null {
    if (!isPosition(anchor)) {
      this.atStart.set(anchor, (this.atStart.get(anchor) ?? 0) + weight);
      return null;
    }
    const entry = { offset: anchor.offset, weight, piece };
    const list = this.entries.get(anchor.item);
    if (list) list.push(entry);
    else this.entries.set(anchor.item, [entry]);
    return entry;
  }

  /** One more piece of a placed new item (split inside it). */
  private grow(struct: NewStruct): void {
    struct.splits += 1;
    this.weigh(struct);
  }

  /** One more piece passed where `struct` went. */
  private weigh(struct: NewStruct): void {
    const { anchor } = struct;
    if (anchor === null) return;
    if (isPosition(anchor)) {
      if (struct.entry) struct.entry.weight += 1;
    } else {
      this.atStart.set(anchor, (this.atStart.get(anchor) ?? 0) + 1);
      this.addTwin(anchor, struct.twin);
    }
  }

  private addTwin(start: ListStart, twin: string | number | null): void {
    if (twin === null) return;
    let keys = this.twins.get(start);
    if (!keys) {
      keys = new Map();
      this.twins.set(start, keys);
    }
    keys.set(twin, (keys.get(twin) ?? 0) + 1);
  }

  /** `(client, clock)` splits the struct holding it (`end`: a piece ends there, else one starts there). */
  split(client: number, clock: number, end: boolean, resolved?: Resolved): void {
    const struct = resolved === undefined ? this.resolve(client, clock) : resolved;
    if (struct === null || struct instanceof Y.GC) return;
    const start = end ? clock + 1 : clock;
    const first = struct instanceof Y.Item ? struct.id.clock : struct.clock;
    if (start <= first || start >= first + struct.length) return;
    const key = `${client}:${start}`;
    if (this.pieces.has(key)) return;
    this.pieces.add(key);
    if (struct instanceof Y.Item) this.addAt({ item: struct, offset: start - first - 1 }, 1, true);
    else this.grow(struct);
  }

  /**
   * The piece after an origin inside an item (`clock`, before its `end`): Yjs splits the item there
   * and passes that piece, unless it was split there before (then the piece is counted as such).
   */
  private rest(client: number, clock: number, end: number): number {
    return clock + 1 < end && !this.pieces.has(`${client}:${clock + 1}`) ? 1 : 0;
  }

  /** The element after `(client, clock)` in its list (null: the end), or undefined when not known. */
  private nextAfter(client: number, clock: number): string | null | undefined {
    const key = `${client}:${clock}`;
    if (this.nextOf.has(key)) return this.nextOf.get(key);
    const struct = this.resolve(client, clock);
    if (struct === null || struct instanceof Y.GC) return undefined;
    const first = struct instanceof Y.Item ? struct.id.clock : struct.clock;
    if (clock < first + struct.length - 1) return `${client}:${clock + 1}`;
    // The last clock of an item of this update: known only where it went between its origins.
    if (!(struct instanceof Y.Item)) return undefined;
    return struct.right ? `${struct.right.id.client}:${struct.right.id.clock}` : null;
  }

  /** The first element of a list (null: it is empty); the document's until an item goes first. */
  private firstIn(list: ListStart): string | null | undefined {
    if (this.firstOf.has(list)) return this.firstOf.get(list);
    // Lists only (not a map key's entries, see `place`): a type's first item.
    const item = list.type?._start ?? null;
    const first = item ? `${item.id.client}:${item.id.clock}` : null;
    this.firstOf.set(list, first);
    return first;
  }

  private count(weight: number): void {
    this.steps += weight;
    if (this.steps > this.max)
      throw new IntegrationTooCostly(`more than ${this.max} items to walk`, 'MAX_INTEGRATION_STEPS', this.max);
  }

  /**
   * What Yjs passes inside `item` after the positions `from` to `to` (inclusive), but `target`
   * (where the walk stops) and, when `stops`, the piece that starts after `to` (it lies after the
   * new items there, and the walk stops before it).
   */
  private within(item: Y.Item, from: number, to: number, target: Position | null, stops: boolean): number {
    const list = this.entries.get(item);
    if (!list) return 0;
    const excluded = target !== null && target.item === item;
    this.reads += list.length;
    if (this.reads > 10 * this.max)
      throw new IntegrationTooCostly(`more than ${this.max} items to walk`, 'MAX_INTEGRATION_STEPS', this.max);
    let sum = 0;
    for (const entry of list)
      if (entry.offset >= from && entry.offset <= to && !(stops && entry.piece && entry.offset === to))
        sum += entry.weight;
    // The right origin is where Yjs stops, not an item it passes.
    return excluded && target.offset >= from && target.offset <= to ? sum - 1 : sum;
  }

  private place(struct: NewStruct, offset: number): void {
    this.state.set(struct.client, struct.clock + struct.length);
    let placed = this.placed.get(struct.client);
    if (!placed) {
      placed = [];
      this.placed.set(struct.client, placed);
    }
    placed.push(struct);
    if (struct.kind !== 'item') return;
    // Part of it is known already: Yjs places the rest after the part it has.
    const originClient = offset > 0 ? struct.client : struct.originClient;
    const originClock = offset > 0 ? struct.clock + offset - 1 : struct.originClock;
    const left = originClient >= 0 ? this.resolve(originClient, originClock) : null;
    const right = struct.rightClient >= 0 ? this.resolve(struct.rightClient, struct.rightClock) : null;
    // An origin collected (GC) or that Yjs cannot find (it would throw): nothing is placed.
    if (left instanceof Y.GC || right instanceof Y.GC) return;
    if ((originClient >= 0 && left === null) || (struct.rightClient >= 0 && right === null)) return;
    // Yjs scans for concurrent items only when its origins are not neighbours (Item.integrate):
    // the left origin's right neighbour is its right origin, or, without a left origin, the right
    // origin is its list's first item (none: the list is empty). Where the check knows the
    // neighbours exactly, such an item walks nothing (an offline client's own edits, applied in
    // its order: each went between two neighbours).
    let list: ListStart | null;
    if (left === null) list = this.listOf(struct, right);
    else if (left instanceof Y.Item)
      list =
        left.parent instanceof Y.AbstractType
          ? this.listStart(left.parent, left.parentSub, left.parent as Y.AbstractType<unknown>)
          : null;
    else list = left.list;
    const rightId = struct.rightClient >= 0 ? `${struct.rightClient}:${struct.rightClock}` : null;
    // A map key's entries are not followed (a key set again names its last entry and no right
    // origin: the walk passes nothing anyway), which spares a record per key.
    const exact =
      list !== null &&
      list.key === null &&
      !this.unknown.has(list) &&
      (left === null ? this.firstIn(list) : this.nextAfter(originClient, originClock)) === rightId;
    if (left !== null && !(left instanceof Y.Item)) this.placeAfterNew(struct, left, originClock, exact);
    else {
      if (left === null)
        struct.twin =
          struct.rightClient < 0 ? struct.client : `${struct.client}|${struct.rightClient}:${struct.rightClock}`;
      if (!this.placeInDocument(struct, left, originClock, right, exact)) return;
      if (struct.anchor) {
        struct.entry = this.addAt(struct.anchor, 1);
        if (!isPosition(struct.anchor)) this.addTwin(struct.anchor, struct.twin);
      }
    }
    struct.exact = exact;
    if (list !== null && exact) {
      const first = `${struct.client}:${struct.clock + offset}`;
      if (left === null) this.firstOf.set(list, first);
      else this.nextOf.set(`${originClient}:${originClock}`, first);
      this.nextOf.set(`${struct.client}:${struct.clock + struct.length - 1}`, rightId);
    } else if (list !== null && list.key === null) this.unknown.add(list);
    if (originClient >= 0) this.split(originClient, originClock, true, left);
    if (struct.rightClient >= 0) this.split(struct.rightClient, struct.rightClock, false, right);
  }

  /**
   * Left origin new: Yjs passes the rest of that item and its descendants placed so far (each in
   * as many pieces as it was split into), and stops at the first item that does not descend from it
   * (one step more). Nothing when its origins are neighbours (`exact`, see `place`).
   */
  private placeAfterNew(struct: NewStruct, left: NewStruct, originClock: number, exact: boolean): void {
    if (!exact) this.count(1 + left.splits + this.rest(left.client, originClock, left.clock + left.length));
    if (left.children && !exact) {
      const pending: NewStruct[] = [...left.children];
      for (let child = pending.pop(); child; child = pending.pop()) {
        this.count(1 + child.splits);
        if (child.children) pending.push(...child.children);
      }
    }
    // One entry for the family: who passes where it went passes all of it.
    struct.entry = left.entry;
    struct.anchor = left.anchor;
    this.weigh(struct);
    struct.list = left.list;
    struct.bound = left.bound;
    struct.bounded = left.bounded;
    if (left.children) left.children.push(struct);
    else left.children = [struct];
  }

  /** An item placed right before its right origin (no walk): it lies where that one lies. */
  private besideRight(struct: NewStruct, right: Resolved): void {
    if (right instanceof Y.Item) {
      struct.bound = { item: right, offset: struct.rightClock - right.id.clock - 1 };
      struct.bounded = true;
    } else if (right !== null) {
      struct.bound = (right as NewStruct).bound;
      struct.bounded = (right as NewStruct).bounded;
    } else {
      struct.bound = null;
      struct.bounded = true;
    }
  }

  /** The list an item without a left origin goes into, from its right origin or its parent; null: not placed. */
  private listOf(struct: NewStruct, right: Resolved): ListStart | null {
    if (right instanceof Y.Item) {
      if (!(right.parent instanceof Y.AbstractType)) return null;
      return this.listStart(right.parent, right.parentSub, right.parent as Y.AbstractType<unknown>);
    }
    if (right !== null) return (right as NewStruct).list;
    if (struct.parentName !== null) {
      const type = (this.doc.share.get(struct.parentName) as Y.AbstractType<unknown> | undefined) ?? null;
      return this.listStart(type ?? `root:${struct.parentName}`, struct.parentSub, type);
    }
    const holder = this.resolve(struct.parentClient, struct.parentClock);
    if (holder instanceof Y.Item) {
      if (!(holder.content instanceof Y.ContentType)) return null;
      const type = holder.content.type as Y.AbstractType<unknown>;
      return this.listStart(type, struct.parentSub, type);
    }
    // A type this update creates: its list starts empty.
    if (holder !== null && !(holder instanceof Y.GC)) return this.listStart(holder, struct.parentSub, null);
    return null;
  }

  /**
   * Left origin in the document, or none: from there, what Yjs may pass up to the right origin (or
   * where a new right origin went, when that is known), or to the end of the list.
   */
  private placeInDocument(
    struct: NewStruct,
    left: Y.Item | null,
    originClock: number,
    right: Resolved,
    exact: boolean,
  ): boolean {
    let anchor: Anchor;
    let item: Y.Item | null;
    let weight = 1;
    if (left !== null) {
      anchor = { item: left, offset: originClock - left.id.clock };
      struct.list =
        left.parent instanceof Y.AbstractType
          ? this.listStart(left.parent, left.parentSub, left.parent as Y.AbstractType<unknown>)
          : null;
      item = left;
      if (exact) {
        struct.anchor = anchor;
        this.besideRight(struct, right);
        return true;
      }
    } else {
      const list = this.listOf(struct, right);
      if (list === null) return false;
      anchor = list;
      struct.list = list;
      item = null;
      if (exact) {
        struct.anchor = anchor;
        this.besideRight(struct, right);
        return true;
      }
      if (list.type !== null) {
        if (list.key === null) item = list.type._start;
        else {
          // Yjs walks back to the key's first entry before it scans forward (so each step counts twice).
          item = list.type._map.get(list.key) ?? null;
          while (item?.left) item = item.left;
          weight = 2;
        }
      }
      // New items at the list's start, but for this one's twins: Yjs stops at the first of those.
      const twins = struct.twin === null ? 0 : (this.twins.get(list)?.get(struct.twin) ?? 0);
      this.count(weight * Math.max(0, (this.atStart.get(list) ?? 0) - twins));
    }
    struct.anchor = anchor;

    // Where the walk stops: the right origin, or where a new right origin lies at the latest once
    // the walk has passed where it went (before that, it may lie behind the walk's start).
    let stop: Position | null | undefined;
    let after: Anchor | null = null;
    let target: Position | null = null;
    if (right instanceof Y.Item) stop = { item: right, offset: struct.rightClock - right.id.clock - 1 };
    else if (right !== null) {
      const next = right as NewStruct;
      stop = next.bounded ? next.bound : undefined;
      after = next.anchor;
      // The right origin itself is where Yjs stops, not an item it passes.
      if (isPosition(next.anchor)) target = next.anchor;
    } else stop = null;
    let passed = after === null || after === anchor;
    if (!passed && isPosition(after) && isPosition(anchor) && after.item === anchor.item)
      passed = after.offset >= anchor.offset;

    // The first item: from the left origin's position on (a list's start: from its beginning).
    let from = isPosition(anchor) ? anchor.offset : -1;
    for (; item !== null; item = item.right, from = -1) {
      if (!passed && isPosition(after) && after.item === item) {
        // Passing where the right origin went: it is met from there on, at `stop` at the latest.
        passed = true;
        if (stop?.item === item && stop.offset < after.offset) stop = { item, offset: after.offset };
      }
      if (passed && stop?.item === item && stop.offset >= from) {
        // Twins at the left origin: Yjs stops at the first.
        const inside = this.within(item, from, stop.offset, target, true);
        const rest =
          stop.offset > from ? this.rest(item.id.client, item.id.clock + from, item.id.clock + item.length) : 0;
        this.count(weight * ((from < 0 && stop.offset >= 0 ? 1 : 0) + rest + inside));
        struct.bound = stop;
        struct.bounded = true;
        return true;
      }
      const inside = this.within(item, from, Number.POSITIVE_INFINITY, target, false);
      const rest = from >= 0 ? this.rest(item.id.client, item.id.clock + from, item.id.clock + item.length) : 0;
      this.count(weight * ((from < 0 ? 1 : 0) + rest + inside));
    }
    struct.bound = null;
    struct.bounded = stop === null && passed;
    return true;
  }
}

/** Structs in a held-back update (v1). */
function heldStructs(update: Uint8Array): number {
  let structs = 0;
  countUpdateCost(update, Number.POSITIVE_INFINITY, {
    placements: (struct) => {
      if (struct.kind !== 'skip') structs += 1;
    },
  });
  return structs;
}

function deleteRanges(update: Uint8Array): Array<[number, number, number]> {
  const ranges: Array<[number, number, number]> = [];
  countUpdateCost(update, Number.POSITIVE_INFINITY, {
    deletes: (client, clock, length) => ranges.push([client, clock, length]),
  });
  return ranges;
}

/**
 * The items Yjs may walk to place `update`'s items in `doc` (see above); throws
 * IntegrationTooCostly past `max`, or when what Yjs would hold back would pass `maxPending`. The
 * update must already be known to be well formed.
 */
export function integrationSteps(
  doc: Y.Doc,
  update: Uint8Array,
  max = MAX_INTEGRATION_STEPS,
  maxPending = MAX_PENDING_STRUCTS,
): number {
  let placement = new Placement(doc, max);
  let ranges: Array<[number, number, number]> = [];
  const chain = chainHead(doc, update, (client, clock, length) => ranges.push([client, clock, length]));
  if (chain) placement.pass(new Map([[chain.first.client, [chain.first]]]));
  if (chain && placement.held === 0)
    placement.advance(chain.first.client, chain.end, chain.first.exact ? chain.moved : 0);
  else {
    placement = new Placement(doc, max);
    ranges = [];
    placement.pass(readStructs(update, (client, clock, length) => ranges.push([client, clock, length])));
  }
  const { pendingStructs, pendingDs } = doc.store;
  const heldDeletes = pendingDs ? deleteRanges(Y.convertUpdateFormatV2ToV1(pendingDs)) : [];
  let held = placement.held;
  let heldBefore = heldDeletes.length;
  if (pendingStructs) {
    // Yjs keeps what it holds back in its v2 format.
    const heldUpdate = Y.convertUpdateFormatV2ToV1(pendingStructs.update);
    const before = heldStructs(heldUpdate);
    heldBefore += before;
    held += before;
    let released = false;
    for (const [client, clock] of pendingStructs.missing) if (clock < placement.clock(client)) released = true;
    if (released) {
      // Yjs applies this update's delete set (and the held-back one) before it retries the held
      // structs: every range splits the items at its ends.
      for (const [client, clock, length] of [...ranges, ...heldDeletes]) {
        placement.split(client, clock, false);
        placement.split(client, clock + length - 1, true);
      }
      // The held-back structs with this update's: Yjs retries them all, what it has is skipped.
      placement.pass(readStructs(Y.mergeUpdates([heldUpdate, update])));
      held = placement.held;
    }
  }
  for (const [client, clock, length] of [...ranges, ...heldDeletes])
    if (clock + length > placement.clock(client)) held += 1;
  if (held > maxPending && held > heldBefore)
    throw new IntegrationTooCostly(
      `more than ${maxPending} structs and deletions held back waiting for others`,
      'MAX_PENDING_STRUCTS',
      maxPending,
    );
  return placement.steps;
}

/**
 * Whether an update of cost `updateCost` (countUpdateCost) can walk more than `max` items in a
 * document whose state costs `documentCost`: each of its items walks at most every item of the
 * document, twice for a map key's entries, and each count is at least the items it holds; and at
 * most, besides, ten for every unit of the update (its own items, the pieces they split). When it
 * cannot pass `max` in either, it walks at most twice `max`, and a caller that would have to decode
 * the document to walk it need not (HTTP document sync of a note that is not live: the decode costs
 * ~1.5 µs per item).
 */
export function mayExceedIntegrationBound(updateCost: number, documentCost: number, max = MAX_INTEGRATION_STEPS) {
  return 2 * updateCost * documentCost > max || 10 * updateCost * updateCost > max;
}

/**
 * `integrationSteps` for a transport that answers with a domain error (HTTP document sync):
 * PAYLOAD_TOO_LARGE (413) naming the limit, where the socket closes with 4413.
 */
export function admitIntegration(doc: Y.Doc, update: Uint8Array, max = MAX_INTEGRATION_STEPS): number {
  try {
    return integrationSteps(doc, update, max);
  } catch (error) {
    if (!(error instanceof IntegrationTooCostly)) throw error;
    const what =
      error.limit === 'MAX_PENDING_STRUCTS'
        ? `hold back more than ${error.max} structs waiting for others`
        : `walk more than ${error.max} items to place it`;
    throw payloadTooLarge(`The update would make the server ${what} (${error.limit})`, {
      limit: error.limit,
      max: error.max,
    });
  }
}
