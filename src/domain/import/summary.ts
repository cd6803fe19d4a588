// What an import did (or, dry, would do), per table: the CLI prints it as a table, the HTTP route
// answers it as JSON.

export interface TableCounts {
  added: number;
  updated: number;
  /** Rows the file names that already held the file's values. */
  unchanged: number;
  /** Rows the file would change but that were edited on the server after the file's record. */
  kept: number;
  removed: number;
}

export interface TableSummary extends TableCounts {
  table: string;
}

export interface ImportSummary {
  /** This run (the versions it took name it; docs/history-and-trash.md). */
  import_id: string;
  dry_run: boolean;
  /** Records read per store of the file. */
  records: Record<string, number>;
  tables: TableSummary[];
  warnings: string[];
  duration_ms: number;
}

/** Every table an import writes, in the order of docs/formats/framelord-export.md §7. */
export const SUMMARY_TABLES = [
  'contacts',
  'folders',
  'notes',
  'blobs',
  'note_target_contacts',
  'note_links',
  'topics',
  'note_topics',
  'tasks',
  'interactions',
  'interaction_attachments',
  'groups',
  'group_memberships',
  'projects',
  'project_related_contacts',
  'project_sections',
  'project_task_links',
  'project_attachments',
  'pipeline_templates',
  'pipeline_stage_templates',
  'pipeline_items',
] as const;

export interface ImportTally {
  table(name: string): TableCounts;
  rows(): TableSummary[];
}

export function createTally(): ImportTally {
  const tables = new Map<string, TableCounts>(
    SUMMARY_TABLES.map((name) => [name, { added: 0, updated: 0, unchanged: 0, kept: 0, removed: 0 }]),
  );
  return {
    table(name) {
      let counts = tables.get(name);
      if (!counts) {
        counts = { added: 0, updated: 0, unchanged: 0, kept: 0, removed: 0 };
        tables.set(name, counts);
      }
      return counts;
    },
    rows: () => [...tables].map(([table, counts]) => ({ table, ...counts })),
  };
}

/** The summary as a plain-text table for a terminal. */
export function formatSummary(summary: ImportSummary, maxWarnings = 50): string {
  const header = ['table', 'added', 'updated', 'unchanged', 'kept', 'removed'];
  const body = summary.tables.map((row) =>
    [row.table, row.added, row.updated, row.unchanged, row.kept, row.removed].map(String),
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] as string).length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number),
      )
      .join('  ');
  const out = [
    summary.dry_run ? 'DRY RUN: nothing was written. This is what the import would do:' : 'Import finished:',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...body.map(line),
    '',
    `${summary.warnings.length} warning${summary.warnings.length === 1 ? '' : 's'}${summary.warnings.length > 0 ? ':' : ''}`,
    ...summary.warnings.slice(0, maxWarnings).map((warning) => `  - ${warning}`),
  ];
  if (summary.warnings.length > maxWarnings) out.push(`  … and ${summary.warnings.length - maxWarnings} more`);
  out.push(`(${summary.duration_ms} ms)`);
  return out.join('\n');
}
