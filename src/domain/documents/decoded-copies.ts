// Decoded copies of notes that are not live, kept a short while for reuse. HTTP document sync of a
// note not open live walks each update against the note's decoded state (integration-cost.ts);
// decoding it afresh per request cost 0.2-0.3 s of CPU at 150 000 items (docs/benchmarks.md,
// "stall"), and a client syncing repeatedly would pay it every time. A copy is reused only while
// it provably holds the note's current stored state (docs/durability.md, "Decoded copies"):
//   - the stored state it was decoded from is still the stored state: same row version (`xmin`),
//     or, after a write that left the document alone (a title edit), the same md5 of its bytes
//     (the marks of stored-state-marks.ts);
//   - the log entries it holds are known by id: entries added since are applied (integration-
//     checked as a load applies them, `applyStoredState`), nothing else is re-read. Ids, not the
//     last id: appends commit out of id order, so an older id can appear after a newer one.
// Anything else (a compaction folded the log, an import replaced the state) decodes afresh.
//
// Every copy's cost is held in the process's ledger (MAX_LIVE_STRUCTS) while it is kept, and the
// copies are the first thing given back under pressure (`LiveCostLedger.onPressure`): a load or a
// read that does not fit drops them all before it is refused. Few copies, a short idle lifetime.
import * as Y from 'yjs';
import { storedStateCost, takeDecodeCost } from './decode-budget.ts';
import { applyStoredState } from './document-state.ts';
import { md5Hex, type StoredStateMark } from './stored-state-marks.ts';
import { type LiveCostLedger, storedCost } from './update-cost.ts';
import type { StoredDocumentState } from './update-log.ts';

/** How many copies a process keeps (least recently used dropped first). */
export const MAX_DECODED_COPIES = 4;
/** How long an unused copy is kept. */
export const DECODED_COPY_IDLE_MS = 30_000;

export interface DecodedCopies {
  /**
   * Runs `use` on the note's decoded document brought up to `state` (a `loadState` snapshot):
   * the kept copy when it holds `state`'s stored part, with the log entries it lacks applied; else
   * one decoded afresh. Its cost is taken from the ledger (SERVICE_UNAVAILABLE when it does not
   * fit, as `takeDecodeCost`); throws LogEntryTooCostly as a load does. `use` must not keep `doc`.
   */
  use<T>(noteId: string, state: StoredDocumentState, use: (doc: Y.Doc) => T): T;
  /** Whether a copy of the note is kept (a compaction then hands over what it decoded: `adopt`). */
  holds(noteId: string): boolean;
  /**
   * Keeps `doc`, decoded by a compaction, as the note's copy in place of the one held: `mark` names
   * the stored state the compaction wrote (which `doc` holds exactly), and `release` gives back
   * its cost, held from now on by the copy. A compaction follows every sync that logs an update
   * (its debounce), and would otherwise make the next sync decode afresh.
   */
  adopt(noteId: string, doc: Y.Doc, mark: StoredStateMark, release: () => void): void;
  /**
   * The kept copy brought up to `state`, taken out for a compaction from the database to fold
   * instead of decoding the note again: the caller hands it back (`adopt`, with the mark of what
   * it wrote) or destroys it and gives its cost back (`release`). Undefined when no copy
   * holds `state`'s stored part. Throws LogEntryTooCostly as a load does.
   */
  checkOut(noteId: string, state: StoredDocumentState): { doc: Y.Doc; release: () => void } | undefined;
  /** How many times a kept copy was used instead of decoding (a counter tests read). */
  readonly reuses: number;
  /** How many times a note's state was decoded afresh (a counter tests and metrics read). */
  readonly decodes: number;
  /** The copies held now. */
  readonly size: number;
  /** Drops every copy and stops answering pressure (service shutdown). */
  close(): void;
}

interface Copy {
  doc: Y.Doc;
  mark: StoredStateMark;
  logIds: Set<number>;
  /** Gives back the copy's cost (what it was decoded with and every entry applied since). */
  release: () => void;
  timer: NodeJS.Timeout | undefined;
}

export function createDecodedCopies(
  ledger: LiveCostLedger,
  options: { maxCopies?: number; idleMs?: number } = {},
): DecodedCopies {
  const maxCopies = options.maxCopies ?? MAX_DECODED_COPIES;
  const idleMs = options.idleMs ?? DECODED_COPY_IDLE_MS;
  /** In use order, oldest first. A copy being used is taken out, so pressure meanwhile cannot drop it. */
  const copies = new Map<string, Copy>();
  let decodes = 0;
  let reuses = 0;

  const destroy = (copy: Copy) => {
    if (copy.timer) clearTimeout(copy.timer);
    copy.doc.destroy();
    copy.release();
  };
  const dropAll = () => {
    const dropped = [...copies.values()];
    copies.clear();
    for (const copy of dropped) destroy(copy);
  };
  const unregister = ledger.onPressure(dropAll);

  /** The kept copy, taken out, when it holds `state`'s stored part. */
  function takeCurrent(noteId: string, state: StoredDocumentState): Copy | undefined {
    const copy = copies.get(noteId);
    if (!copy) return undefined;
    copies.delete(noteId);
    if (copy.timer) clearTimeout(copy.timer);
    const sameStored =
      state.version !== undefined &&
      (copy.mark.rowVersion === state.version || copy.mark.docMd5 === md5Hex(state.stored));
    if (!sameStored) {
      destroy(copy);
      return undefined;
    }
    if (state.version !== undefined) copy.mark.rowVersion = state.version;
    return copy;
  }

  /** Applies the log entries `copy` lacks; false (copy destroyed) when their cost does not fit. */
  function catchUp(copy: Copy, state: StoredDocumentState): boolean {
    const missing = state.log.filter((entry) => !copy.logIds.has(entry.id));
    if (missing.length > 0) {
      const added = storedCost(missing.map((entry) => entry.update));
      if (!ledger.take(added)) {
        destroy(copy);
        return false;
      }
      const before = copy.release;
      copy.release = () => {
        before();
        ledger.give(added);
      };
      applyStoredState(copy.doc, { stored: null, log: missing });
    }
    copy.logIds = new Set(state.log.map((entry) => entry.id));
    return true;
  }

  /** The kept copy, taken out and brought up to `state`; undefined when there is none that can be. */
  function checkOut(noteId: string, state: StoredDocumentState): Copy | undefined {
    const copy = takeCurrent(noteId, state);
    if (!copy) return undefined;
    try {
      if (!catchUp(copy, state)) return undefined;
    } catch (error) {
      // A log entry too costly (or unreadable by the check): nothing kept of a half-applied copy.
      destroy(copy);
      throw error;
    }
    reuses += 1;
    return copy;
  }

  function decode(state: StoredDocumentState): Copy {
    const release = takeDecodeCost(storedStateCost(state), ledger);
    const doc = new Y.Doc();
    try {
      applyStoredState(doc, state);
    } catch (error) {
      doc.destroy();
      release();
      throw error;
    }
    decodes += 1;
    return {
      doc,
      mark: { rowVersion: state.version ?? '', docMd5: md5Hex(state.stored) },
      logIds: new Set(state.log.map((entry) => entry.id)),
      release,
      timer: undefined,
    };
  }

  function keep(noteId: string, copy: Copy): void {
    copies.set(noteId, copy);
    copy.timer = setTimeout(() => {
      if (copies.get(noteId) !== copy) return;
      copies.delete(noteId);
      destroy(copy);
    }, idleMs);
    copy.timer.unref();
    for (const [oldest, old] of copies) {
      if (copies.size <= maxCopies) break;
      copies.delete(oldest);
      destroy(old);
    }
  }

  return {
    use<T>(noteId: string, state: StoredDocumentState, use: (doc: Y.Doc) => T): T {
      const current = checkOut(noteId, state) ?? decode(state);
      try {
        // The walk reads the document and changes nothing: the copy stays current either way.
        return use(current.doc);
      } finally {
        keep(noteId, current);
      }
    },
    holds: (noteId) => copies.has(noteId),
    checkOut(noteId, state) {
      const copy = checkOut(noteId, state);
      return copy && { doc: copy.doc, release: copy.release };
    },
    adopt(noteId, doc, mark, release) {
      const held = copies.get(noteId);
      if (held) {
        copies.delete(noteId);
        destroy(held);
      }
      // Entries logged after the compaction read the log are not in `doc`: applied at the next use.
      keep(noteId, { doc, mark, logIds: new Set(), release, timer: undefined });
    },
    get decodes() {
      return decodes;
    },
    get reuses() {
      return reuses;
    },
    get size() {
      return copies.size;
    },
    close() {
      unregister();
      dropAll();
    },
  };
}
