// The length of every free-text `text` column, declared once. The tables turn each entry into a
// CHECK (`<column>_length`, char_length ≤ limit) and the resource layer turns it into the field's
// `max` (src/domain/resources/schemas.ts), so the database and the API refuse the same thing
// (docs/security.md, "Text lengths"). `varchar(n)` columns carry their length in their type and
// need no entry. A `text` column stays `text` (with a CHECK) because a generated search vector
// reads several of them, and PostgreSQL cannot change the type of a column a generated one uses.
import { sql } from 'drizzle-orm';
import { check, type ExtraConfigColumn } from 'drizzle-orm/pg-core';

/** Descriptions, summaries: about 15,000 words, far past any note a person types into a CRM field. */
export const LONG_TEXT_MAX_CHARS = 100_000;

/** An http(s) URL (linkedin_url; an avatar or banner given as a link). */
export const URL_MAX_CHARS = 2048;

/**
 * A field that may hold a `data:` URL (avatars, banners, attachments). The API bounds the decoded
 * content (10 MB, src/domain/resources/data-url.ts) and the body (15 MB); this bound, above both,
 * is the schema's guarantee that no write path can store more.
 */
export const DATA_URL_MAX_CHARS = 16 * 1024 * 1024;

/** Table name → column → maximum characters. */
export const TEXT_LENGTH_LIMITS = {
  users: { avatar_url: DATA_URL_MAX_CHARS },
  contacts: { avatar_url: DATA_URL_MAX_CHARS, linkedin_url: URL_MAX_CHARS },
  tasks: { description: LONG_TEXT_MAX_CHARS },
  interactions: { summary: LONG_TEXT_MAX_CHARS },
  interaction_attachments: { data_url: DATA_URL_MAX_CHARS },
  groups: { description: LONG_TEXT_MAX_CHARS, banner_url: DATA_URL_MAX_CHARS },
  projects: { description: LONG_TEXT_MAX_CHARS, banner_url: DATA_URL_MAX_CHARS },
  project_attachments: { data_url: DATA_URL_MAX_CHARS },
  pipeline_templates: { description: LONG_TEXT_MAX_CHARS },
} as const satisfies Record<string, Record<string, number>>;

type LimitedTable = keyof typeof TEXT_LENGTH_LIMITS;

/** The suffix of a length CHECK's name; src/db/errors.ts maps a violation back to its column. */
export const LENGTH_CHECK_SUFFIX = '_length';

/** The CHECK constraints of a table's limited columns, for its extra config. */
export function textLengthChecks<T extends LimitedTable>(
  table: T,
  columns: Record<keyof (typeof TEXT_LENGTH_LIMITS)[T], ExtraConfigColumn>,
) {
  const limits = TEXT_LENGTH_LIMITS[table] as Record<keyof (typeof TEXT_LENGTH_LIMITS)[T], number>;
  return (Object.keys(limits) as Array<keyof (typeof TEXT_LENGTH_LIMITS)[T]>).map((name) =>
    check(
      `${String(name)}${LENGTH_CHECK_SUFFIX}`,
      sql`char_length(${columns[name]}) <= ${sql.raw(String(limits[name]))}`,
    ),
  );
}

/** The limit of a `text` column, or undefined when it has none (derived or server-written). */
export function textLengthLimit(table: string, column: string): number | undefined {
  return (TEXT_LENGTH_LIMITS as Record<string, Record<string, number>>)[table]?.[column];
}
