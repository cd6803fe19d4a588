// Documents decoded outside the collaboration server take their cost from the same process ledger
// as live documents (MAX_LIVE_STRUCTS, update-cost.ts): a REST read or a pull of a note's current
// document, HTTP document sync of a note not open live, compaction from the database, a version
// read or restored, an export, an import. Each is short-lived, but a burst of them at once would
// otherwise add up outside the budget. The stored cost (counted from the bytes, nothing built) is
// taken before anything is decoded and given back once the decoded objects are dropped.
import * as Y from 'yjs';
import { type LiveCostLedger, documentCostLedger, liveBudgetExhausted, storedCost } from './update-cost.ts';
import {
  applyStoredState,
  assertIntegrable,
  LogEntryTooCostly,
  mergeStoredState,
  stateUpdates,
} from './document-state.ts';
import type { IntegrationTooCostly } from './integration-cost.ts';
import type { StoredDocumentState } from './update-log.ts';

/**
 * `refuse`: SERVICE_UNAVAILABLE (HTTP 503 with Retry-After) when the cost does not fit now; a
 * request's caller retries. `wait`: waits until it fits, for work that has already started
 * answering (a streamed export) and cannot be refused halfway.
 */
export type DecodeMode = 'refuse' | 'wait';

/**
 * Takes `cost` from the process's ledger now and answers the function that gives it back; throws
 * SERVICE_UNAVAILABLE (nothing taken) when it does not fit, unless nothing else is held: a single
 * document larger than the whole budget is still readable, alone.
 */
export function takeDecodeCost(cost: number, ledger: LiveCostLedger = documentCostLedger()): () => void {
  if (!ledger.take(cost)) {
    if (ledger.total > 0) throw liveBudgetExhausted();
    ledger.force(cost);
  }
  let given = false;
  return () => {
    if (given) return;
    given = true;
    ledger.give(cost);
  };
}

/** Runs `decode` with `cost` held in the process's ledger (`takeDecodeCost`, or waiting for room). */
export async function withDecodeCost<T>(
  cost: number,
  decode: () => T | Promise<T>,
  mode: DecodeMode = 'refuse',
  ledger: LiveCostLedger = documentCostLedger(),
): Promise<T> {
  let release: () => void;
  if (mode === 'wait') {
    await ledger.takeWhenFits(cost);
    release = () => ledger.give(cost);
  } else {
    release = takeDecodeCost(cost, ledger);
  }
  try {
    return await decode();
  } finally {
    release();
  }
}

/** The cost of a stored state's bytes (its stored part and log), as a load would count it. */
export const storedStateCost = (state: StoredDocumentState): number => storedCost(stateUpdates(state));

/**
 * `mergeStoredState` within the budget: the stored state and its log merged into one update. A
 * state of one part is already that update and is returned without decoding anything.
 */
export async function mergeWithinBudget(state: StoredDocumentState, mode: DecodeMode = 'refuse'): Promise<Uint8Array> {
  if (stateUpdates(state).length <= 1) return mergeStoredState(state);
  return withDecodeCost(storedStateCost(state), () => mergeStoredState(state), mode);
}

/**
 * `use` on a document decoded from `state` (one update, such as `mergeWithinBudget` answers), its
 * cost held in the ledger for as long as the document exists; the document is dropped after. For a
 * note's stored state and log use `withDecodedNote`: a merged state is integrated unchecked.
 */
export function withDecodedState<T>(
  state: Uint8Array,
  use: (doc: Y.Doc) => T,
  mode: DecodeMode = 'refuse',
): Promise<T> {
  return withDecodedDocument(storedCost([state]), (doc) => Y.applyUpdate(doc, state), use, mode);
}

/**
 * `use` on the note's document decoded from its stored state and log within the integration bound
 * (`applyStoredState`, the check a load applies) and the memory budget, dropped after. A log entry
 * past the bound throws LogEntryTooCostly naming the note (DOCUMENT_TOO_COSTLY: HTTP 422), unless
 * `refused` is given: it is then called with the document as replayed before that entry (the
 * stored state and every earlier entry) instead. Nothing is integrated unbounded, nothing dropped.
 */
export function withDecodedNote<T>(
  noteId: string,
  state: StoredDocumentState,
  use: (doc: Y.Doc) => T,
  mode: DecodeMode = 'refuse',
  refused?: (doc: Y.Doc, error: LogEntryTooCostly) => T,
): Promise<T> {
  let refusal: LogEntryTooCostly | undefined;
  return withDecodedDocument(
    storedStateCost(state),
    (doc) => {
      try {
        applyStoredState(doc, state);
      } catch (error) {
        if (!(error instanceof LogEntryTooCostly)) throw error;
        refusal = error.forNote(noteId);
        if (!refused) throw refusal;
      }
    },
    (doc) => (refusal && refused ? refused(doc, refusal) : use(doc)),
    mode,
  );
}

/**
 * Throws what `refusal` makes of the cause when integrating `state` whole into an empty document
 * passes the integration bound (`assertIntegrable`), walked within the memory budget: for a state
 * stored as it arrives, which every later load of its note integrates whole.
 */
export function assertStateIntegrable(
  state: Uint8Array,
  refusal: (cause: IntegrationTooCostly) => Error,
  mode: DecodeMode = 'refuse',
): Promise<void> {
  return withDecodedDocument(
    storedCost([state]),
    (doc) => assertIntegrable(doc, state, refusal),
    () => undefined,
    mode,
  );
}

function withDecodedDocument<T>(
  cost: number,
  decode: (doc: Y.Doc) => void,
  use: (doc: Y.Doc) => T,
  mode: DecodeMode,
): Promise<T> {
  return withDecodeCost(
    cost,
    () => {
      const doc = new Y.Doc();
      try {
        decode(doc);
        return use(doc);
      } finally {
        doc.destroy();
      }
    },
    mode,
  );
}
