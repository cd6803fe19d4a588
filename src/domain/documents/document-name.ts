// The document-name rule (docs/collaboration.md): a collaboration document's name is its note's
// `blocksuite_doc_id`, 1–255 of `[A-Za-z0-9_.:-]`. The socket, the REST note body and the import
// all check it here.
import { z } from 'zod';

const DOCUMENT_NAME = /^[A-Za-z0-9_.:-]{1,255}$/;
export const DOCUMENT_NAME_RULE = 'must be 1-255 of A-Z a-z 0-9 _ . : -';

export function isValidDocumentName(name: string): boolean {
  return DOCUMENT_NAME.test(name);
}

/** The rule as a body field schema (a note's `blocksuite_doc_id`). */
export const documentNameSchema = () => z.string().regex(DOCUMENT_NAME, DOCUMENT_NAME_RULE);
