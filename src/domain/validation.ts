import type { ZodError, ZodType } from 'zod';
import { validationError, type FieldProblem } from './errors.ts';

/** zod issues → docs/api.md `details: [{field, message}]`, one entry per offending field. */
export function fieldProblems(error: ZodError): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({ field: [...issue.path, key].join('.'), message: 'is not a field of this resource' });
      continue;
    }
    problems.push({ field: issue.path.length > 0 ? issue.path.join('.') : 'body', message: issue.message });
  }
  return problems;
}

/**
 * Validates input that came from outside (a REST body, a sync change) and throws
 * VALIDATION_ERROR naming every offending field, so each door answers the same for the same input.
 */
export function parseInput<T>(schema: ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(fieldProblems(result.error));
  return result.data;
}
