// The shape of a resource declaration. A definition states only what differs between resources;
// the generic operations (operations.ts, list.ts, present.ts) do everything else the same way.
import type { SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { ZodType } from 'zod';
import type { Db, Tx } from '../../db/client.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import type { OwnedReference, OwnedTable, UserOwnedTable } from '../ownership.ts';
import type { VersionedTable } from '../versioning.ts';
import type { EntityType } from '../entity-types.ts';

/** A table row as Drizzle returns it (snake_case keys). */
export type Row = Record<string, unknown>;
/** An entity as the API shows it: JSON-ready, exactly what `GET /resource/:id` answers. */
export type Entity = Record<string, unknown>;

export interface ChangeRef {
  entityType: EntityType;
  entityId: string;
}

export interface PresentOptions {
  /** Single-entity shape (GET /:id, write answers, sync pull) rather than a list item. */
  detail: boolean;
  /** `?include=attachments` on lists: attachment bodies too. */
  includeAttachments: boolean;
}

export type WriteMode = 'create' | 'put' | 'patch';

export interface WriteContext {
  tx: Tx;
  auth: AuthContext;
  mode: WriteMode;
  /** The stored row before this write (locked), absent on create. */
  existing: Row | undefined;
  /** Column values about to be written; hooks may add derived ones or refuse. */
  values: Row;
  /** Nested collections present in the body (absent ones stay as they are). */
  nested: Record<string, unknown>;
  updatedAt: Date;
  /**
   * The write copies a record made elsewhere (an import, operations.ts `WriteOptions.copied`): the
   * values the server would derive come with it, and automations do not run again.
   */
  copying: boolean;
}

export interface AfterWriteContext extends WriteContext {
  row: Row;
}

export interface ResourceHooks {
  /** Rules a write must satisfy beyond field validation, and server-derived values. */
  beforeWrite?(context: WriteContext): Promise<void> | void;
  /** Side effects in the same transaction; returns other entities it changed (recorded for sync). */
  afterWrite?(context: AfterWriteContext): Promise<ChangeRef[] | undefined> | ChangeRef[] | undefined;
}

export interface NestedWriteContext {
  tx: Tx;
  auth: AuthContext;
  parentId: string;
  mode: WriteMode;
  /** Server-owned values of inserted items or members, by item id or member id (a copy's `copied.items`). */
  copiedItems?: ReadonlyMap<string, Row>;
}

/**
 * A set or collection that lives in other tables but travels inside its parent entity (docs/sync.md):
 * membership id arrays, pipeline stages, project sections, attachments.
 */
export interface NestedCollection {
  field: string;
  /** The junction or child table holding it. */
  table: PgTable;
  /** `ids`: a plain id array of members (a junction); `rows`: items with their own id and fields. */
  kind: 'ids' | 'rows';
  /** Validates the field in request bodies. */
  inputSchema: ZodType;
  /** Documents the field in responses. */
  outputSchema: ZodType;
  /** The value of an entity without any. */
  empty: unknown;
  load(db: Db, parentIds: readonly string[], options: PresentOptions): Promise<Map<string, unknown>>;
  /**
   * A membership set's stored rows by parent, every column: what `load` leaves out, the values
   * the server owns (a membership's `joined_at`), which an export copies out as an import copied
   * them in (`copiedItems`).
   */
  loadRows?(db: Db, parentIds: readonly string[]): Promise<Map<string, Row[]>>;
  /**
   * The stored bytes of the bodies `load` adds on request (attachments' data URLs) for the parent
   * whose id is `parentId`, as a correlated SQL expression: lists cut their pages by it before
   * loading a body.
   */
  bodyBytes?(parentId: AnyPgColumn): SQL;
  /** Checks needing no database (data URL sizes), run before the transaction starts. */
  precheck?(value: unknown): void;
  /**
   * Foreign keys `value` carries that must name the caller's rows: checked together with the
   * parent's own, so one answer names every offending field.
   */
  ownedReferences?(value: unknown): OwnedReference[];
  /** Replaces the parent's collection with `value` (already validated by `inputSchema`). */
  write(context: NestedWriteContext, value: unknown): Promise<void>;
  /** Whether a create retried with `value` is identical to the `current` stored collection. */
  sameAs(value: unknown, current: unknown): boolean;
}

export interface ListFilter {
  /** Validates the query parameter (a string, or an array when repeated). */
  schema: ZodType;
  description: string;
  where(value: unknown, auth: AuthContext): SQL;
}

export interface SearchDefinition {
  description: string;
  where(term: string): SQL;
  /** Relevance, higher first; lists sort by it when a search has no explicit `sort`. */
  rank?(term: string): SQL;
}

export interface ResourceDefinition {
  /** Path under /api/v1 (`contacts`, `pipelines/templates`). */
  path: string;
  /** Singular name for sync (`contact`, `pipeline_template`). */
  entityType: EntityType;
  /** OpenAPI component name (`Contact`). */
  name: string;
  table: UserOwnedTable & VersionedTable;
  /** List and get only (topics: written by document extraction, not by clients). */
  readOnly?: boolean;
  /** Columns a client may write. */
  writable: readonly string[];
  /** Writable at creation only; a later write must repeat the stored value or omit it. */
  createOnly?: readonly string[];
  /** Values of writable columns a create omits, chosen by the server (a note's document id). */
  serverDefaults?: Record<string, (auth: AuthContext) => unknown>;
  /** Text columns that may hold a `data:` URL (avatars, banners): validated like attachments. */
  dataUrlFields?: readonly string[];
  /** Fields of this resource a body may carry but that the server owns: ignored (docs/api.md). */
  serverOwned?: readonly string[];
  /** Columns never shown (internal: normalized title, search vector). */
  hidden?: readonly string[];
  /** Columns shown in the single-entity shape only (big ones lists should not carry). */
  detailOnly?: readonly string[];
  /** Field schemas replacing the ones derived from the table (enums guarded by CHECKs). */
  fieldSchemas?: Record<string, ZodType>;
  /** Foreign keys in bodies that must name the caller's rows. */
  ownedReferences?: Record<string, OwnedTable>;
  nested?: readonly NestedCollection[];
  filters?: Record<string, ListFilter>;
  /** Columns `?sort=` accepts (default `updated_at`, descending). */
  sortable: readonly string[];
  search?: SearchDefinition;
  hooks?: ResourceHooks;
  /**
   * Creates of this resource read no rows of their own kind (their hooks look at the body alone),
   * so a run of them may be inserted with one statement (createResourceEntities, a sync push):
   * every rule still runs for each row, but the run's hooks all run before its insert.
   */
  batchCreates?: boolean;
  /** Computed fields of the API shape (topics' note counts, a note's document). */
  decorate?(db: Db, entities: Entity[], options: PresentOptions): Promise<void>;
  /**
   * The stored bytes `decorate` and the detail-only columns add to a single-entity read (a note's
   * document and snapshot), for the row whose id is `id`, as a correlated SQL expression: a sync
   * pull cuts its chunks by it before loading them.
   */
  detailBytes?(id: AnyPgColumn): SQL;
  /** Extra response fields the decorator adds, for the OpenAPI document. */
  computedFields?: Record<string, ZodType>;
}
