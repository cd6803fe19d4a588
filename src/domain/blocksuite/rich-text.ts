import * as Y from 'yjs';
import { collectReferencedDocId, type LinkCollector } from './link-collector.ts';

export type RichTextContent = {
  /** What `Y.Text#toString()` gives. */
  plain: string;
  /** `plain` with inline-code spans replaced by a line break, so no label is found in or across them. */
  scan: string;
};

/**
 * Reads a Y.Text in one pass over its items and collects the native references it carries.
 * This walks the item list itself (as `toString()` does) instead of calling `toDelta()`, because
 * `toDelta()` opens a transaction per call: measurable at 100k blocks, and a side effect
 * (transaction events) that a pure reader should not have.
 */
export function readRichText(text: Y.Text, collector: LinkCollector): RichTextContent {
  let plain = '';
  let scan: string | null = null;
  let inCode = false;
  let reference: unknown = null;
  let footnote: unknown = null;
  for (let item = text._start; item !== null; item = item.right) {
    if (item.deleted) continue;
    const content = item.content;
    if (content instanceof Y.ContentString) {
      const piece = content.str;
      plain += piece;
      if (inCode) {
        scan ??= plain.slice(0, plain.length - piece.length);
        scan += '\n';
      } else if (scan !== null) {
        scan += piece;
      }
      if (reference !== null) collectReferencedDocId(collector, linkedPageId(reference));
      if (footnote !== null) collectReferencedDocId(collector, footnoteDocId(footnote));
    } else if (content instanceof Y.ContentFormat) {
      const value: unknown = content.value;
      switch (content.key) {
        case 'code':
          inCode = value !== null && value !== undefined && value !== false;
          break;
        case 'reference':
          reference = value ?? null;
          break;
        case 'footnote':
          footnote = value ?? null;
          break;
      }
    } else if (content instanceof Y.ContentEmbed || content instanceof Y.ContentType) {
      // Not part of toString(); for scanning an embed still separates what is around it.
      scan ??= plain;
      scan += '\n';
    }
  }
  return { plain, scan: scan ?? plain };
}

function linkedPageId(reference: unknown): unknown {
  if (!isRecord(reference) || reference.type !== 'LinkedPage') return null;
  return reference.pageId;
}

// BlockSuite 0.2x footnotes can cite a doc: `{label, reference: {type: 'doc', docId}}`.
function footnoteDocId(footnote: unknown): unknown {
  if (!isRecord(footnote)) return null;
  const target = footnote.reference;
  if (!isRecord(target) || target.type !== 'doc') return null;
  return target.docId;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
