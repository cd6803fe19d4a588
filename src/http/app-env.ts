import type { Logger } from '../logger.ts';
import type { AuthContext } from '../domain/auth/auth-context.ts';

/** Hono's typed per-request variables, shared by every route module. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    /** Set by the auth middleware on every /api/v1 route except the public auth ones. */
    auth: AuthContext;
  };
}
