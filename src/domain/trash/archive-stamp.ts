// docs/history-and-trash.md: archiving stamps `archived_at`, restoring clears it. One rule for
// every door that writes `is_archived` (the resource layer, so REST and sync push, and the importer).

/** The `archived_at` to write along with `is_archived = next`; empty when it stays as it is. */
export function archiveStamp(
  wasArchived: boolean,
  next: unknown,
  now: Date = new Date(),
): { archived_at?: Date | null } {
  if (next === true && !wasArchived) return { archived_at: now };
  if (next === false && wasArchived) return { archived_at: null };
  return {};
}
