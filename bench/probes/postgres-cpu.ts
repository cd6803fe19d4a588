// CPU seconds (user + system) the backends of one database have used so far, read from /proc: the
// PostgreSQL server must run on this machine. Probes take it before and after what they measure.
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { queryRows } from '../../src/db/rows.ts';

const TICKS_PER_SECOND = 100; // USER_HZ

export async function postgresCpuSeconds(db: Db, databaseName: string): Promise<number> {
  const rows = await queryRows<{ pid: number }>(
    db,
    sql`select pid from pg_stat_activity where datname = ${databaseName}`,
  );
  let total = 0;
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // A backend that ended meanwhile.
    }
  }
  return total;
}
