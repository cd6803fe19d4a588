import type { Hook } from '@hono/zod-openapi';
import { fieldProblems } from '../domain/validation.ts';
import type { AppEnv } from './app-env.ts';
import { errorEnvelope } from './error-response.ts';

export { fieldProblems };

/** Every request validated by a route schema that fails answers 400 VALIDATION_ERROR. */
export const validationHook: Hook<unknown, AppEnv, string, Response | undefined> = (result, c) => {
  if (!result.success) {
    return c.json(errorEnvelope(c, 'VALIDATION_ERROR', 'The request is not valid', fieldProblems(result.error)), 400);
  }
  return undefined;
};
