import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface DataDirLock {
  release(): void;
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a lock file names; `absent` when there is no file, `unreadable` when it names none. */
function readHolder(file: string): number | 'absent' | 'unreadable' {
  try {
    const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(holder) ? holder : 'unreadable';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
}

/**
 * An exclusive lock file holding our pid. A lock left by a process that died (SIGKILL) is taken
 * over; a lock held by a live process refuses to start rather than corrupt the database.
 *
 * The lock appears with its pid already in it: the pid is written to a file of our own and
 * hard-linked to the lock's name, which fails atomically when the name exists. (Creating the lock
 * and then writing the pid left an empty file for an instant, which a second process starting at
 * the same moment read as a stale lock, removed, and took: two writers on one directory.) A stale
 * lock is moved aside before it is removed, and only if it still names the dead process, so two
 * processes taking over the same stale lock cannot remove each other's fresh one.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const lockPath = path.join(dataDir, 'server.lock');
  const ownPath = `${lockPath}.${process.pid}`;
  writeFileSync(ownPath, String(process.pid));
  try {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        linkSync(ownPath, lockPath);
        return { release: () => releaseIfOurs(lockPath) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(lockPath);
      if (holder === 'absent') continue; // released between our link and our read: try again
      if (holder === 'unreadable') {
        // Never ours (ours are linked whole): not proof that nobody holds it, so never taken over.
        throw new DataDirLockedError(
          `DATA_DIR ${dataDir} is locked by ${lockPath}, which names no process; remove it if no server runs`,
        );
      }
      if (holder !== process.pid && isProcessAlive(holder)) {
        throw new DataDirLockedError(`DATA_DIR ${dataDir} is in use by process ${holder}`);
      }
      takeOverStaleLock(lockPath, holder);
    }
    throw new DataDirLockedError(`could not lock DATA_DIR ${dataDir}`);
  } finally {
    rmSync(ownPath, { force: true });
  }
}

function takeOverStaleLock(lockPath: string, deadHolder: number): void {
  const aside = `${lockPath}.stale.${process.pid}`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another process moved it
    throw error;
  }
  const moved = readHolder(aside);
  if (moved !== deadHolder && moved !== 'absent') {
    // Between our read and our rename, another process took the stale lock over and created its
    // own: put that one back (link fails only if a third process locked meanwhile, still locked).
    try {
      linkSync(aside, lockPath);
    } catch {
      // the name is taken again: the directory is locked by someone alive either way
    }
  }
  rmSync(aside, { force: true });
}

function releaseIfOurs(lockPath: string): void {
  try {
    if (readHolder(lockPath) === process.pid) rmSync(lockPath);
  } catch {
    // already gone
  }
}
