// `Y.encodeStateAsUpdate` of a live document, in time slices. Encoding a 100k-block document
// (31.6 MB) is one synchronous call of 1.7-1.9 s; compaction encodes the live document instead of
// decoding the stored state again, so that call would hold the event loop of every other document.
//
// The output is Yjs update format v1, byte for byte what `Y.encodeStateAsUpdate` writes when the
// document does not change meanwhile: per client (highest id first) the number of structs, the
// client, the first clock, the structs; then the delete set. In v1 every field goes to one byte
// stream, so structs encoded in separate slices can be concatenated.
//
// The document may change between slices (it is live: edits keep arriving). Structs are therefore
// followed by clock, not by index: a Yjs store splits, merges and garbage-collects structs in
// place, but the clock ranges of a client always tile [0, state) without gaps. A slice resumes at
// the first clock not yet written, with an offset into the struct that now holds it. What is
// written per client is [0, end) with end ≥ the client's state when encoding started (a struct
// merged meanwhile with a newer neighbour is written whole). The delete set is read at the end and
// cut to what was written. So the result holds the document as it was when encoding started, plus
// possibly some later edits: never less.
//
// Given a base (encoded-base.ts: an encoded state the document holds in full), each client's
// structs up to the base's end are copied from it as bytes and only the structs after it are
// written: the same document, not the same bytes as Y.encodeStateAsUpdate (a struct Yjs has split
// since stays whole, a deleted one keeps its content; the delete set is the document's own).
import * as Y from 'yjs';
import type { BaseSection, EncodedBase } from './encoded-base.ts';
import type { TimeSlicer } from './time-slices.ts';

export interface SlicedEncoding {
  /** The document's state as one update (v1). */
  update: Uint8Array;
  /** True when `update` holds everything `other` holds (its structs and its deletions). */
  contains(other: Uint8Array): boolean;
  /** `update` by client, to serve as the base of a later encoding; undefined when it could not be indexed for free. */
  base?: EncodedBase;
}

type Struct = Y.Item | Y.GC;
interface DeleteRange {
  clock: number;
  len: number;
}

/** Structs checked between two looks at the clock (~0.5 ms of encoding). */
const STRUCTS_PER_CHECK = 256;

export async function encodeStateInSlices(doc: Y.Doc, slicer: TimeSlicer, base?: EncodedBase): Promise<SlicedEncoding> {
  const store = doc.store;
  // Pending structs or deletions (updates waiting for a missing dependency) are merged in by Yjs's
  // own encoder; a live document of ours never has them (every update is applied whole), so the
  // rare case takes the synchronous path.
  if (store.pendingStructs || store.pendingDs) return wholeEncoding(doc);

  const starts = [...store.clients.entries()]
    .map(([client, structs]) => ({ client, end: endOf(structs) }))
    .sort((a, b) => b.client - a.client);
  const written = new Map<number, number>();
  const blocks: Array<{ client: number; first: number; count: number; parts: Uint8Array[] }> = [];
  for (const { client, end } of starts) {
    const structs = store.clients.get(client) as Struct[];
    const first = (structs[0] as Struct).id.clock;
    const parts: Uint8Array[] = [];
    let clock = first;
    let count = 0;
    const section = base?.get(client);
    // Only a section the store holds whole: from the store's first clock, and up to a clock it has
    // reached (a state still waiting for a dependency would have pending structs, refused above).
    if (section && section.count > 0 && section.first === first && section.end <= end) {
      parts.push(section.bytes);
      count = section.count;
      clock = section.end;
    }
    while (clock < end) {
      const resumedAt = clock;
      const encoder = new Y.UpdateEncoderV1();
      // Re-read every slice: the store may have replaced the array's contents meanwhile.
      const current = store.clients.get(client) as Struct[];
      let index = Y.findIndexSS(current, clock);
      let sinceCheck = 0;
      while (clock < end && index < current.length) {
        const struct = current[index] as Struct;
        struct.write(encoder, clock - struct.id.clock);
        clock = struct.id.clock + struct.length;
        count += 1;
        index += 1;
        if (++sinceCheck === STRUCTS_PER_CHECK) {
          sinceCheck = 0;
          if (slicer.due()) break;
        }
      }
      // Yjs never drops clocks from a store; should a release do so, fail rather than loop.
      if (clock === resumedAt) throw new Error(`client ${client} lost clock ${clock} while encoding`);
      parts.push(encoder.toUint8Array());
      if (clock < end) await slicer.pause();
    }
    written.set(client, clock);
    blocks.push({ client, first, count, parts });
  }
  if (slicer.due()) await slicer.pause();

  // The delete set as it is now, cut to the clocks written (a deletion of a struct written later
  // than this encoding would otherwise wait in the reader as a pending deletion).
  const deletes = cutDeleteSet(Y.createDeleteSetFromStructStore(store).clients, written);
  const header = new Y.UpdateEncoderV1();
  header.writeLen(blocks.length);
  const chunks: Uint8Array[] = [header.toUint8Array()];
  // Where each client's structs land in the result, for the next encoding's base.
  const spans: Array<{ client: number; first: number; count: number; from: number; to: number }> = [];
  let offset = (chunks[0] as Uint8Array).length;
  for (const block of blocks) {
    const head = new Y.UpdateEncoderV1();
    head.writeLen(block.count);
    head.writeClient(block.client);
    head.writeLen(block.first);
    const headBytes = head.toUint8Array();
    chunks.push(headBytes, ...block.parts);
    const from = offset + headBytes.length;
    offset = from + block.parts.reduce((sum, part) => sum + part.length, 0);
    spans.push({ client: block.client, first: block.first, count: block.count, from, to: offset });
  }
  chunks.push(encodeDeleteSet(deletes));
  // Reading the delete set walks every struct in one call (14–43 ms at 100k blocks under load): the
  // copy below starts a slice of its own.
  if (slicer.due()) await slicer.pause();
  const update = await concatInSlices(chunks, slicer);
  const snapshot = Y.createSnapshot(deleteSetOf(deletes), written);
  const sections = new Map<number, BaseSection>();
  for (const span of spans)
    sections.set(span.client, {
      first: span.first,
      end: written.get(span.client) as number,
      count: span.count,
      bytes: update.subarray(span.from, span.to),
    });
  return { update, contains: (other) => Y.snapshotContainsUpdate(snapshot, other), base: sections };
}

function wholeEncoding(doc: Y.Doc): SlicedEncoding {
  const update = Y.encodeStateAsUpdate(doc);
  const snapshot = Y.snapshot(doc);
  return { update, contains: (other) => Y.snapshotContainsUpdate(snapshot, other) };
}

function endOf(structs: Struct[]): number {
  const last = structs[structs.length - 1] as Struct;
  return last.id.clock + last.length;
}

function cutDeleteSet(
  clients: Map<number, DeleteRange[]>,
  written: Map<number, number>,
): Array<[number, DeleteRange[]]> {
  const cut: Array<[number, DeleteRange[]]> = [];
  for (const [client, ranges] of clients) {
    const end = written.get(client);
    if (end === undefined) continue;
    const kept: DeleteRange[] = [];
    for (const range of ranges) {
      if (range.clock >= end) break;
      kept.push({ clock: range.clock, len: Math.min(range.len, end - range.clock) });
    }
    if (kept.length > 0) cut.push([client, kept]);
  }
  // Yjs writes delete sets highest client first (DeleteSet.js writeDeleteSet).
  return cut.sort((a, b) => b[0] - a[0]);
}

function encodeDeleteSet(clients: Array<[number, DeleteRange[]]>): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  encoder.writeLen(clients.length);
  for (const [client, ranges] of clients) {
    encoder.writeLen(client);
    encoder.writeLen(ranges.length);
    for (const range of ranges) {
      encoder.writeDsClock(range.clock);
      encoder.writeDsLen(range.len);
    }
  }
  return encoder.toUint8Array();
}

/** A Yjs DeleteSet holding these ranges (its constructor is not exported; its shape is public). */
function deleteSetOf(clients: Array<[number, DeleteRange[]]>): Y.Snapshot['ds'] {
  const ds = Y.createDeleteSet();
  for (const [client, ranges] of clients) ds.clients.set(client, ranges.map((range) => ({ ...range })) as never);
  return ds;
}

/** Bytes copied between two looks at the clock (~1–5 ms, the first touch of fresh pages included). */
export const COPY_SLICE_BYTES = 4 << 20;

/**
 * The chunks in one array, copied in time slices: 31 MB (a 100k-block document, most of it one
 * chunk when copied from a base) took 29–38 ms in one call under load, page faults of the fresh
 * array included.
 */
export async function concatInSlices(chunks: readonly Uint8Array[], slicer: TimeSlicer): Promise<Uint8Array> {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    for (let from = 0; from < chunk.length; from += COPY_SLICE_BYTES) {
      if (slicer.due()) await slicer.pause();
      const piece = chunk.subarray(from, from + COPY_SLICE_BYTES);
      out.set(piece, offset);
      offset += piece.length;
    }
  }
  return out;
}
