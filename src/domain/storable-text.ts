// Text PostgreSQL can store. It refuses a NUL character in text and jsonb (22021 / 22P05), and an
// unpaired UTF-16 surrogate in jsonb (a JSON `\ud800` escape is invalid there); either used to
// surface as a 500 or a nameless refusal. Every door where text enters (REST bodies, query and
// path, sync push, imports) refuses it first with 400 VALIDATION_ERROR naming the field.
import type { FieldProblem } from './errors.ts';

const NUL = '\u0000';
export const NUL_MESSAGE = 'must not contain NUL characters';
export const LONE_SURROGATE_MESSAGE = 'must be well-formed Unicode (no unpaired surrogate)';

export const hasNul = (value: string): boolean => value.includes(NUL);

export interface TextRules {
  /** Also refuse unpaired surrogates (values stored as jsonb; text columns store them as U+FFFD). */
  wellFormed?: boolean;
}

/** At most this many problems are named: enough to fix a file, not a second copy of it. */
const MAX_PROBLEMS = 20;

/**
 * Every string of a parsed JSON value (keys too) that PostgreSQL would refuse, by its path joined
 * with dots under `prefix` (`changes.0.data.title`, `notes/a.snapshot.json.blocks.3.text`).
 */
export function unstorableTextFields(value: unknown, prefix: string[] = [], rules: TextRules = {}): FieldProblem[] {
  const found: FieldProblem[] = [];
  const problem = (text: string): string | undefined =>
    hasNul(text) ? NUL_MESSAGE : rules.wellFormed && !text.isWellFormed() ? LONE_SURROGATE_MESSAGE : undefined;
  const visit = (item: unknown, path: string[]): void => {
    if (found.length >= MAX_PROBLEMS) return;
    if (typeof item === 'string') {
      const message = problem(item);
      if (message) found.push({ field: path.join('.') || 'body', message });
    } else if (Array.isArray(item)) {
      item.forEach((element, index) => {
        visit(element, [...path, String(index)]);
      });
    } else if (item !== null && typeof item === 'object') {
      for (const [key, element] of Object.entries(item)) {
        const message = problem(key);
        if (message) found.push({ field: [...path, key.replaceAll(NUL, '\\0')].join('.'), message });
        visit(element, [...path, key]);
      }
    }
  };
  visit(value, prefix);
  return found;
}
