/** A document name is 1–255 of `[A-Za-z0-9_.:-]` (it is `notes.blocksuite_doc_id`; docs/collaboration.md). */
const DOCUMENT_NAME = /^[A-Za-z0-9_.:-]{1,255}$/;

export function isValidDocumentName(name: string): boolean {
  return DOCUMENT_NAME.test(name);
}
