import type { Hook } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { FieldProblem } from '../domain/errors.ts';
import type { AppEnv } from './app-env.ts';
import { errorEnvelope } from './error-response.ts';

/** zod issues → SPEC §9 `details: [{field, message}]`, one entry per offending field. */
export function fieldProblems(error: ZodError): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ field: [...issue.path, key].join('.'), message: 'is not a field of this resource' });
      continue;
    }
    problems.push({ field: issue.path.length > 0 ? issue.path.join('.') : 'body', message: issue.message });
  }
  return problems;
}

/** Every request validated by a route schema that fails answers 400 VALIDATION_ERROR. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const validationHook: Hook<any, AppEnv, any, any> = (result, c) => {
  if (!result.success) {
    return c.json(errorEnvelope(c, 'VALIDATION_ERROR', 'The request is not valid', fieldProblems(result.error)), 400);
  }
  return undefined;
};
