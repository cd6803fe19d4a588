// JSON written as it is produced, for answers too big to build in memory (the export): a record's
// field may be a JsonStream (an array read batch by batch, a data URL read chunk by chunk), which
// is written in place, in the record's key order, by the same rules as JSON.stringify (a field
// whose value is undefined is left out).

/** A JSON value produced piece by piece; concatenated, the pieces are one valid JSON value. */
export class JsonStream {
  readonly produce: () => AsyncIterable<string>;

  constructor(produce: () => AsyncIterable<string>) {
    this.produce = produce;
  }
}

export type StreamedRecord = Record<string, unknown>;

export async function* jsonValue(value: unknown): AsyncGenerator<string> {
  if (value instanceof JsonStream) yield* value.produce();
  else yield JSON.stringify(value);
}

/** A flat record: its fields are plain JSON values or JsonStreams. */
export async function* jsonRecord(record: StreamedRecord): AsyncGenerator<string> {
  let separator = '{';
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    yield `${separator}${JSON.stringify(key)}:`;
    separator = ',';
    yield* jsonValue(value);
  }
  yield separator === '{' ? '{}' : '}';
}

export async function* jsonArray<T>(
  items: AsyncIterable<T> | Iterable<T>,
  write: (item: T) => AsyncIterable<string>,
): AsyncGenerator<string> {
  let separator = '[';
  for await (const item of items) {
    yield separator;
    separator = ',';
    yield* write(item);
  }
  yield separator === '[' ? '[]' : ']';
}

/** An array of records, written as they come. */
export const recordArray = (records: AsyncIterable<StreamedRecord> | Iterable<StreamedRecord>) =>
  new JsonStream(() => jsonArray(records, jsonRecord));

/** Bytes as the base64 of a `data:` URL, encoded chunk by chunk (never whole in memory). */
export async function* base64Text(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const bytes = Buffer.concat([carry, chunk]);
    const whole = bytes.length - (bytes.length % 3);
    if (whole > 0) yield bytes.subarray(0, whole).toString('base64');
    carry = bytes.subarray(whole);
  }
  if (carry.length > 0) yield carry.toString('base64');
}

/** Pieces joined into strings of about `size` characters: fewer, larger writes to the socket. */
export async function* joinedPieces(pieces: AsyncIterable<string>, size = 64 * 1024): AsyncGenerator<string> {
  let buffer = '';
  for await (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= size) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer.length > 0) yield buffer;
}
