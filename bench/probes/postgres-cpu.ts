// CPU seconds (user + system) of PostgreSQL processes so far, read from /proc: the PostgreSQL
// server must run on this machine. Probes take it before and after what they measure.
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { queryRows } from '../../src/db/rows.ts';

const TICKS_PER_SECOND = 100; // USER_HZ

/** utime + stime of one process in seconds, and its parent's pid; undefined once it has ended. */
function processCpu(pid: number): { seconds: number; parent: number } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** The backends of one database (what bench/collab.ts counts as PostgreSQL's CPU). */
export async function postgresCpuSeconds(db: Db, databaseName: string): Promise<number> {
  const rows = await queryRows<{ pid: number }>(
    db,
    sql`select pid from pg_stat_activity where datname = ${databaseName}`,
  );
  let total = 0;
  for (const { pid } of rows) total += processCpu(pid)?.seconds ?? 0;
  return total;
}

/**
 * The processes that serve every database of the server: the postmaster and the auxiliary ones
 * (WAL writer, checkpointer, background writer, launchers). A commit's WAL flush may run in the
 * WAL writer rather than the backend; other sessions' work on the same server counts here too.
 */
export async function postgresSharedCpuSeconds(db: Db): Promise<number> {
  const rows = await queryRows<{ pid: number }>(
    db,
    sql`select pid from pg_stat_activity where backend_type not in ('client backend', 'autovacuum worker', 'parallel worker')`,
  );
  let total = 0;
  let postmaster: number | undefined;
  for (const { pid } of rows) {
    const cpu = processCpu(pid);
    if (!cpu) continue;
    total += cpu.seconds;
    postmaster = cpu.parent;
  }
  return total + (postmaster === undefined ? 0 : (processCpu(postmaster)?.seconds ?? 0));
}
