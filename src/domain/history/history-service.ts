// Version history of note documents (docs/history-and-trash.md): list, read, restore. REST calls
// these; restore writes through the DocumentService, the path every collaboration edit takes
// (durable log append, live document, relay to other instances, compaction).
import { and, count, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { authSessions, noteVersions, type BlockSuiteSnapshot } from '../../db/schema/index.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { readBlockSuiteDocument } from '../blocksuite/index.ts';
import { withDecodeCost, withDecodedState } from '../documents/decode-budget.ts';
import { EMPTY_UPDATE } from '../documents/document-state.ts';
import type { DocumentService } from '../documents/document-service.ts';
import { findOwnedNote } from '../documents/note-document-sync.ts';
import { assertWithinDocumentLimit } from '../documents/size-limit.ts';
import { storedCost } from '../documents/update-cost.ts';
import { isEmptyUpdate } from '../documents/yjs-bytes.ts';
import { notFound } from '../errors.ts';
import { ownedRow, ownedWhere } from '../ownership.ts';
import { isUuid } from '../uuid.ts';
import { revertUpdate } from './revert-update.ts';
import {
  decompressState,
  pruneAllVersions,
  recordVersion,
  versionSummaryColumns,
  versionDevice,
  type NoteVersionSummary,
  type VersionPolicy,
} from './version-store.ts';

export const DEFAULT_VERSIONS_PER_PAGE = 20;
export const MAX_VERSIONS_PER_PAGE = 100;

export interface VersionPage {
  data: NoteVersionSummary[];
  page: number;
  per_page: number;
  total: number;
  total_pages: number;
}

export interface VersionDetail extends NoteVersionSummary {
  text: string;
  snapshot: BlockSuiteSnapshot;
  /** The full Yjs state of the version (an editor can load it read-only). */
  state: Uint8Array;
}

export interface RestoreResult {
  /** The version whose content the document now has. */
  restored: NoteVersionSummary;
  /** The version holding the state the restore replaced. */
  saved: NoteVersionSummary;
  /** Bytes of the forward update applied (0 when the document already had that content). */
  update_bytes: number;
}

export interface HistoryService {
  readonly policy: VersionPolicy;
  list(auth: AuthContext, noteId: string, paging: { page?: number; per_page?: number }): Promise<VersionPage>;
  get(auth: AuthContext, noteId: string, versionId: string): Promise<VersionDetail>;
  restore(auth: AuthContext, noteId: string, versionId: string): Promise<RestoreResult>;
  /** Retention over every note (the periodic job). */
  prune(): Promise<number>;
}

export function createHistoryService(db: Db, documents: DocumentService, policy: VersionPolicy): HistoryService {
  async function ownedVersion(auth: AuthContext, noteId: string, versionId: string) {
    const note = await findOwnedNote(db, auth.userId, noteId);
    if (!isUuid(versionId)) throw notFound('Version');
    const [row] = await db
      .select({ ...versionSummaryColumns, stored: noteVersions.state })
      .from(noteVersions)
      .leftJoin(authSessions, versionDevice)
      .where(and(ownedRow(noteVersions, auth.userId, versionId), eq(noteVersions.note_id, note.id)));
    if (!row) throw notFound('Version');
    const { stored, ...summary } = row;
    return { note, summary: summary as NoteVersionSummary, stored };
  }

  return {
    policy,
    async list(auth, noteId, paging) {
      const note = await findOwnedNote(db, auth.userId, noteId);
      const page = paging.page ?? 1;
      const perPage = Math.min(paging.per_page ?? DEFAULT_VERSIONS_PER_PAGE, MAX_VERSIONS_PER_PAGE);
      const where = ownedWhere(noteVersions, auth.userId, eq(noteVersions.note_id, note.id));
      const [rows, totals] = await Promise.all([
        db
          .select(versionSummaryColumns)
          .from(noteVersions)
          .leftJoin(authSessions, versionDevice)
          .where(where)
          .orderBy(desc(noteVersions.created_at), desc(noteVersions.id))
          .limit(perPage)
          .offset((page - 1) * perPage),
        db.select({ total: count() }).from(noteVersions).where(where),
      ]);
      const total = Number(totals[0]?.total ?? 0);
      return {
        data: rows as NoteVersionSummary[],
        page,
        per_page: perPage,
        total,
        total_pages: Math.ceil(total / perPage),
      };
    },

    async get(auth, noteId, versionId) {
      const { summary, stored } = await ownedVersion(auth, noteId, versionId);
      const state = await decompressState(stored, documents.maxDocumentBytes);
      // Held in the memory budget while it is a document (decode-budget.ts): 503 when it is spent.
      return withDecodedState(state, (doc) => {
        const content = readBlockSuiteDocument(doc);
        return {
          ...summary,
          text: content.text,
          snapshot: { title: content.title, text: content.text, blocks: content.blocks },
          state,
        };
      });
    },

    async restore(auth, noteId, versionId) {
      const { note, summary, stored } = await ownedVersion(auth, noteId, versionId);
      const target = await decompressState(stored, documents.maxDocumentBytes);
      // Integrated within the bound as a load would (DOCUMENT_TOO_COSTLY, 422, for a note whose log
      // holds an entry past it): it is replayed onto the version below and kept as a version.
      const current = (await documents.currentState(note, 'integrated')) ?? EMPTY_UPDATE;
      // The version becomes a document, and the current state is replayed onto it: computed before
      // anything is written, so a refusal by the memory budget (503) leaves no trace.
      const update = await withDecodeCost(storedCost([current, target]), () => revertUpdate(current, target));
      // The state being replaced becomes a version first (whatever HISTORY says: a restore must
      // always be undoable by another restore).
      const saved = await recordVersion(
        db,
        {
          noteId: note.id,
          userId: auth.userId,
          state: current,
          title: note.title,
          source: 'restore',
          sessionId: auth.sessionId,
        },
        policy,
      );
      if (isEmptyUpdate(update)) return { restored: summary, saved, update_bytes: 0 };
      assertWithinDocumentLimit(current.length, update.length, documents.maxDocumentBytes);
      // Durable before anything else sees it, exactly like an edit from a socket.
      await documents.appendUpdate(note.id, update, auth.sessionId);
      await documents.live.applyLogged(note.blocksuite_doc_id, update);
      // Title, links, topics and search follow now rather than after the store debounce, so the
      // answer's caller reads them updated (a failure is retried by the scheduler, nothing lost).
      await documents.compactNow(note.id);
      return { restored: summary, saved, update_bytes: update.length };
    },

    prune: () => pruneAllVersions(db, policy),
  };
}
