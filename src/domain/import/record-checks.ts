import { checkDataUrl, decodeDataUrl } from '../resources/data-url.ts';
import { DomainError, validationError } from '../errors.ts';
import { MAX_ATTACHMENT_CHARS } from '../resources/nested/attachments.ts';

/** A refusal naming the record, in the message too (a terminal shows only the message). */
export function structuralError(field: string, message: string): DomainError {
  return validationError([{ field, message }], `Invalid export: ${field}: ${message}`);
}

function withFieldInMessage(field: string, error: unknown): unknown {
  if (!(error instanceof DomainError)) return error;
  const detail = Array.isArray(error.details)
    ? (error.details[0] as { message?: string } | undefined)?.message
    : undefined;
  const message = `Invalid export: ${field}: ${detail ?? error.message}`;
  return new DomainError(error.code, message, error.details ?? [{ field, message: error.message }]);
}

/** An avatar or banner: a `data:` URL is checked like the REST API checks it (docs/api.md); a link is kept. */
export function checkedOptionalDataUrl(field: string, value: string | null): string | null {
  if (value === null || value.slice(0, 5).toLowerCase() !== 'data:') return value;
  try {
    checkDataUrl(field, value);
  } catch (error) {
    throw withFieldInMessage(field, error);
  }
  return value;
}

/**
 * An attachment's data URL must be well formed and at most 10 MB (docs/api.md). Its MIME type is the
 * one the app recorded, or the data URL's own when the app recorded none (browsers give "" for
 * unknown files).
 */
export function checkedDataUrlMime(field: string, dataUrl: string, mimeType: string): string {
  try {
    const parsed = checkDataUrl(field, dataUrl);
    return mimeType.trim() === '' ? parsed.mimeType : mimeType;
  } catch (error) {
    throw withFieldInMessage(field, error);
  }
}

/** A data URL's bytes and type, checked as `checkedDataUrlMime` checks it. */
export function decodedDataUrl(field: string, dataUrl: string): { mimeType: string; bytes: Buffer } {
  try {
    return decodeDataUrl(field, dataUrl);
  } catch (error) {
    throw withFieldInMessage(field, error);
  }
}

/** An entity's attachments together, as the REST API bounds them (docs/api.md): 413 beyond. */
export function checkAttachmentsTotal(field: string, dataUrls: readonly string[]): void {
  const total = dataUrls.reduce((sum, dataUrl) => sum + dataUrl.length, 0);
  if (total <= MAX_ATTACHMENT_CHARS) return;
  const message = `hold ${total} characters of data URLs together; at most ${MAX_ATTACHMENT_CHARS}`;
  throw new DomainError('PAYLOAD_TOO_LARGE', `Invalid export: ${field}: ${message}`, [{ field, message }]);
}
