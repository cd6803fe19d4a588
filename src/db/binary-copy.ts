// Reading query results in PostgreSQL's binary COPY format. postgres.js receives every result in
// text format, so a bytea column arrives as hex (or as base64 when the query encodes it) and is
// decoded in JavaScript; `COPY (query) TO STDOUT (FORMAT binary)` sends the bytes as they are.
// A 10 MB document arrived in 26-31 ms instead of 65-108 ms as base64 (bench/probes/cold-load-parts.ts).
// Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

export class BinaryCopyFormatError extends Error {
  override name = 'BinaryCopyFormatError';
}

/** The rows of a binary COPY stream; each field is a view into `data`, or null for NULL. */
export function parseBinaryCopy(data: Buffer): Array<Array<Buffer | null>> {
  if (data.length < SIGNATURE.length + 8 || !data.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    throw new BinaryCopyFormatError('not a binary COPY stream');
  }
  let offset = SIGNATURE.length + 4; // signature, flags
  offset += 4 + data.readInt32BE(offset); // header extension
  const rows: Array<Array<Buffer | null>> = [];
  for (;;) {
    if (offset + 2 > data.length) throw new BinaryCopyFormatError('stream ends before its trailer');
    const fields = data.readInt16BE(offset);
    offset += 2;
    if (fields === -1) return rows;
    const row: Array<Buffer | null> = [];
    for (let field = 0; field < fields; field += 1) {
      if (offset + 4 > data.length) throw new BinaryCopyFormatError('truncated field');
      const length = data.readInt32BE(offset);
      offset += 4;
      if (length === -1) {
        row.push(null);
        continue;
      }
      if (length < 0 || offset + length > data.length) throw new BinaryCopyFormatError('truncated field');
      row.push(data.subarray(offset, offset + length));
      offset += length;
    }
    rows.push(row);
  }
}

/** A field the query never leaves NULL; a NULL or missing one means the stream is not what was asked for. */
export function requiredField(row: Array<Buffer | null>, index: number): Buffer {
  const field = row[index];
  if (!field) throw new BinaryCopyFormatError(`field ${index} is NULL or missing`);
  return field;
}

/** A binary int4 / int8 field. */
export const readInt4 = (field: Buffer): number => field.readInt32BE(0);
export const readInt8 = (field: Buffer): number => Number(field.readBigInt64BE(0));
