import { fieldError } from '../errors.ts';

/** The database's own check (users.valid_email), so an address accepted here is never refused there. */
const EMAIL_PATTERN = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;
export const EMAIL_MAX_LENGTH = 255;

/** Emails are stored and compared trimmed and lower-cased: unique case-insensitively (docs/api.md). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  const normalized = normalizeEmail(email);
  return normalized.length <= EMAIL_MAX_LENGTH && EMAIL_PATTERN.test(normalized);
}

/** The normalized address, or VALIDATION_ERROR on `email`. */
export function requireValidEmail(email: string): string {
  if (!isValidEmail(email)) throw fieldError('email', 'must be a valid email address');
  return normalizeEmail(email);
}
