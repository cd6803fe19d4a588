// The app's legacy note attachments (data URLs) become blobs of the importing user, and image or
// attachment blocks at the end of each new note's document (docs/blobs.md, docs/formats/framelord-export.md).
// Decoded and checked before the import's transaction, so a bad one refuses the file and the quota is
// known to hold; the bytes are stored after it commits (a blob store may be outside the database).
import { blobKeyOf } from '../blobs/blob-key.ts';
import type { BlobOwner, BlobService } from '../blobs/blob-service.ts';
import type { BlobBlock } from '../blocksuite/build-document.ts';
import type { FrameLordExport } from './export-format.ts';
import { decodedDataUrl } from './record-checks.ts';

export interface NoteAttachmentUpload {
  key: string;
  mimeType: string;
  bytes: Buffer;
}

export interface NoteAttachments {
  /** The blocks each note of the file gets, by the note's id in the file. */
  blocksByNote: Map<string, BlobBlock[]>;
  /** One upload per distinct key. */
  uploads: NoteAttachmentUpload[];
}

export function collectNoteAttachments(file: FrameLordExport): NoteAttachments {
  const blocksByNote = new Map<string, BlobBlock[]>();
  const uploads = new Map<string, NoteAttachmentUpload>();
  file.framelord_notes.forEach((note, index) => {
    const blocks: BlobBlock[] = [];
    note.attachments.forEach((attachment, attachmentIndex) => {
      const field = `framelord_notes[${index}] (${note.id}).attachments[${attachmentIndex}].dataUrl`;
      const decoded = decodedDataUrl(field, attachment.dataUrl);
      const mimeType = attachment.mimeType ?? decoded.mimeType;
      const key = blobKeyOf(decoded.bytes);
      if (!uploads.has(key)) uploads.set(key, { key, mimeType, bytes: decoded.bytes });
      const name = attachment.filename ?? attachment.fileName ?? `attachment-${attachmentIndex + 1}`;
      blocks.push(
        mimeType.startsWith('image/')
          ? { flavour: 'affine:image', sourceId: key, caption: '' }
          : { flavour: 'affine:attachment', sourceId: key, name, size: decoded.bytes.length, type: mimeType },
      );
    });
    if (blocks.length > 0) blocksByNote.set(note.id, blocks);
  });
  return { blocksByNote, uploads: [...uploads.values()] };
}

/** Stores the uploads (a key the user has already is left as it is); answers how many were new. */
export async function storeNoteAttachments(
  blobs: BlobService,
  owner: BlobOwner,
  uploads: readonly NoteAttachmentUpload[],
): Promise<number> {
  let added = 0;
  for (const upload of uploads) {
    const { created } = await blobs.put(owner, {
      key: upload.key,
      contentType: upload.mimeType,
      declaredBytes: upload.bytes.length,
      body: once(upload.bytes),
    });
    if (created) added++;
  }
  return added;
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
