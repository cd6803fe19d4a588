// Attachments, avatars and banners travel inline as `data:` URLs (docs/api.md). Checked here once
// for every field that holds one: RFC 2397 syntax, well-formed payload, a size limit, and the MIME
// type the client declared beside it.
import { URL_MAX_CHARS } from '../../db/schema/text-limits.ts';
import { fieldError, payloadTooLarge } from '../errors.ts';

/** docs/api.md: a data URL carries at most 10 MB once decoded. */
export const MAX_DATA_URL_BYTES = 10 * 1024 * 1024;

const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const HEADER = new RegExp(`^data:(?:(${TOKEN}/${TOKEN}))?((?:;${TOKEN}=(?:${TOKEN}|"[^"]*"))*)(;base64)?,`, 'i');
const BASE64_PAYLOAD = /^[A-Za-z0-9+/]*={0,2}$/;
const BAD_PERCENT_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/g;

export interface DataUrl {
  /** Lower-case `type/subtype`; `text/plain` when the URL names none (RFC 2397). */
  mimeType: string;
  decodedBytes: number;
}

function base64DecodedLength(payload: string): number {
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  return (payload.length / 4) * 3 - padding;
}

/**
 * Parses and checks a data URL; throws VALIDATION_ERROR on `field` when it is malformed and
 * PAYLOAD_TOO_LARGE when its content is over the limit. The size is computed before the payload
 * is scanned, so an oversized value is refused without walking it.
 */
export function checkDataUrl(field: string, value: string): DataUrl {
  const header = HEADER.exec(value);
  if (!header) throw fieldError(field, 'is not a well-formed data: URL (data:<type>/<subtype>[;base64],<data>)');
  const mimeType = (header[1] ?? 'text/plain').toLowerCase();
  const payload = value.slice(header[0].length);
  if (header[3]) {
    if (payload.length % 4 !== 0) throw fieldError(field, 'has a base64 payload whose length is not a multiple of 4');
    const decodedBytes = base64DecodedLength(payload);
    if (decodedBytes > MAX_DATA_URL_BYTES) throw payloadTooLarge(`${field} holds more than 10 MB`);
    if (!BASE64_PAYLOAD.test(payload)) throw fieldError(field, 'has a payload that is not valid base64');
    return { mimeType, decodedBytes };
  }
  if (BAD_PERCENT_ESCAPE.test(payload)) throw fieldError(field, 'has a malformed percent-escape');
  const escapes = payload.match(PERCENT_ESCAPE)?.length ?? 0;
  const decodedBytes = Buffer.byteLength(payload, 'utf8') - escapes * 2;
  if (decodedBytes > MAX_DATA_URL_BYTES) throw payloadTooLarge(`${field} holds more than 10 MB`);
  return { mimeType, decodedBytes };
}

/** An attachment's data URL must declare the same MIME type as its `mime_type`. */
export function checkAttachmentDataUrl(field: string, dataUrl: string, mimeType: string): void {
  const parsed = checkDataUrl(field, dataUrl);
  const declared = mimeType.split(';')[0]?.trim().toLowerCase();
  if (parsed.mimeType !== declared)
    throw fieldError(field, `declares ${parsed.mimeType}, but mime_type is ${declared}`);
}

/** Longest http(s) URL a `*_url` field accepts (a data URL is bounded by MAX_DATA_URL_BYTES instead). */
export const MAX_URL_LENGTH = URL_MAX_CHARS;

/**
 * A `*_url` field holds an http(s) URL, or a data URL where the resource stores one
 * (`dataUrlFields`). Anything else (`javascript:`, `file:`, a bare word) is refused: these values
 * end up in `src`/`href` attributes of the clients.
 */
export function checkUrlField(field: string, value: unknown, allowDataUrl: boolean): void {
  if (typeof value !== 'string' || value === '') return;
  if (allowDataUrl && value.slice(0, 5).toLowerCase() === 'data:') {
    checkDataUrl(field, value);
    return;
  }
  if (value.length > MAX_URL_LENGTH) throw fieldError(field, `must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fieldError(field, allowDataUrl ? 'must be an http(s) or data: URL' : 'must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw fieldError(field, allowDataUrl ? 'must be an http(s) or data: URL' : 'must be an http(s) URL');
}

/** The bytes of a data URL already checked by `checkDataUrl` (base64 or percent-encoded). */
export function decodeDataUrl(field: string, value: string): { mimeType: string; bytes: Buffer } {
  const { mimeType } = checkDataUrl(field, value);
  const header = HEADER.exec(value) as RegExpExecArray;
  const payload = value.slice(header[0].length);
  if (header[3]) return { mimeType, bytes: Buffer.from(payload, 'base64') };
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of payload.matchAll(PERCENT_ESCAPE)) {
    parts.push(
      Buffer.from(payload.slice(last, match.index), 'utf8'),
      Buffer.from([Number.parseInt(match[0].slice(1), 16)]),
    );
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(payload.slice(last), 'utf8'));
  return { mimeType, bytes: Buffer.concat(parts) };
}
