import type { ZodType } from 'zod';
import { validationError, type FieldProblem } from '../errors.ts';
import { STORE_KEYS, STORE_SCHEMAS, type FrameLordExport, type StoreKey } from './export-format.ts';

/** Contact Zero is marked only by this id, the same in every user's export (docs/formats/framelord-export.md §2). */
export const CONTACT_ZERO_SOURCE_ID = 'contact_zero';

/** Problems listed in one refusal; a file broken everywhere would otherwise give a huge answer. */
const MAX_PROBLEMS = 20;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function issuePath(store: string, index: number, path: ReadonlyArray<PropertyKey>): string {
  let field = `${store}[${index}]`;
  for (const key of path) field += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return field;
}

/**
 * Validates a whole export and returns it typed. Every problem is collected (up to a limit) and
 * the refusal names each record by store and index, e.g. `framelord_tasks[3].status`; the first
 * one is in the message too, so a terminal shows it without the details.
 */
export function parseFrameLordExport(input: unknown): FrameLordExport {
  if (!isPlainObject(input))
    throw validationError(
      [{ field: 'body', message: 'must be a JSON object of app stores' }],
      'The export must be a JSON object',
    );
  const problems: FieldProblem[] = [];
  const parsed: Record<string, unknown[]> = {};
  for (const store of STORE_KEYS) {
    parsed[store] = parseStore(store, input[store], problems);
  }
  // Indexes of `parsed` match the file's only when every record parsed.
  if (problems.length === 0) checkUniqueIds(parsed, problems);
  if (problems.length > 0) {
    const first = problems[0] as FieldProblem;
    const more =
      problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw validationError(problems.slice(0, MAX_PROBLEMS), `Invalid export: ${first.field}: ${first.message}${more}`);
  }
  const exportedAt =
    typeof input.exportedAt === 'string' && !Number.isNaN(Date.parse(input.exportedAt))
      ? new Date(input.exportedAt)
      : null;
  return { ...(parsed as unknown as Omit<FrameLordExport, 'exportedAt'>), exportedAt };
}

function parseStore(store: StoreKey, value: unknown, problems: FieldProblem[]): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push({ field: store, message: 'must be an array' });
    return [];
  }
  const schema: ZodType = STORE_SCHEMAS[store];
  const records: unknown[] = [];
  value.forEach((record, index) => {
    const result = schema.safeParse(record);
    if (result.success) {
      records.push(result.data);
      return;
    }
    for (const issue of result.error.issues) {
      if (problems.length < MAX_PROBLEMS)
        problems.push({ field: issuePath(store, index, issue.path), message: issue.message });
      else problems.length++;
    }
  });
  return records;
}

/**
 * An id names one record per store: a repeated id (a second Contact Zero above all) would make
 * every reference to it ambiguous, so the file is refused rather than half-imported.
 */
function checkUniqueIds(parsed: Record<string, unknown[]>, problems: FieldProblem[]): void {
  for (const store of STORE_KEYS) {
    if (store === 'groupMemberships' || store === 'topics') continue;
    const seen = new Map<string, number>();
    (parsed[store] ?? []).forEach((record, index) => {
      const id = (record as { id: string }).id;
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, index);
        return;
      }
      const message =
        store === 'framelord_contacts' && id === CONTACT_ZERO_SOURCE_ID
          ? `is a second Contact Zero (id "${CONTACT_ZERO_SOURCE_ID}" is already ${store}[${first}])`
          : `repeats the id "${id}" of ${store}[${first}]`;
      problems.push({ field: `${store}[${index}].id`, message });
    });
  }
  checkUniqueChildIds(parsed, 'interactions', 'attachments', problems);
  checkUniqueChildIds(parsed, 'projects', 'attachments', problems);
  checkUniqueChildIds(parsed, 'pipelineTemplates', 'stages', problems);
}

function checkUniqueChildIds(
  parsed: Record<string, unknown[]>,
  store: StoreKey,
  field: string,
  problems: FieldProblem[],
): void {
  (parsed[store] ?? []).forEach((record, index) => {
    const seen = new Set<string>();
    ((record as Record<string, Array<{ id: string }>>)[field] ?? []).forEach((child, childIndex) => {
      if (seen.has(child.id))
        problems.push({
          field: `${store}[${index}].${field}[${childIndex}].id`,
          message: `repeats the id "${child.id}"`,
        });
      seen.add(child.id);
    });
  });
}
