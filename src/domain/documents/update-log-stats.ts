import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';

/** Update-log entries not yet compacted, over every note (what the instances still have to fold). */
export async function countUncompactedUpdates(db: Db): Promise<number> {
  const [row] = await queryRows<{ entries: number | string }>(
    db,
    sql`select count(*)::int as entries from note_updates`,
  );
  return Number(row?.entries ?? 0);
}
