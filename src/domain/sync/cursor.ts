// The pull cursor: the last change number (sync_changes.seq) a client has received, wrapped so
// clients treat it as opaque and a mangled one is refused rather than read as "start over".
import { fieldError } from '../errors.ts';

const PREFIX = 'seq:';
const SEQ = /^seq:(0|[1-9]\d{0,15})$/;

export function encodeCursor(seq: number): string {
  return Buffer.from(`${PREFIX}${seq}`, 'utf8').toString('base64url');
}

/** The change number a cursor names; absent means "from the beginning". Throws VALIDATION_ERROR. */
export function decodeCursor(cursor: string | null | undefined): number {
  if (cursor === undefined || cursor === null || cursor === '') return 0;
  const match = /^[A-Za-z0-9_-]{1,64}={0,2}$/.test(cursor)
    ? SEQ.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null;
  const seq = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(seq)) throw fieldError('cursor', 'is not a cursor this server issued');
  return seq;
}
