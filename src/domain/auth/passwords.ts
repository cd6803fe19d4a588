import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

/**
 * argon2id with the OWASP-recommended floor (19 MiB, 2 passes, 1 lane), written out so a library
 * default changing cannot silently weaken new hashes. `2` is `Algorithm.Argon2id`: the const enum
 * cannot be read under type stripping.
 */
const ARGON2ID_OPTIONS: Options = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 8;
/** Bounds the hashing work one request can ask for. */
export const PASSWORD_MAX_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID_OPTIONS);
}

export interface PasswordVerifier {
  /**
   * True when `password` matches `storedHash`. With no stored hash (unknown email, account
   * without a password) it checks against a dummy hash of the same cost and answers false, so the
   * answer takes the same time whether or not the account exists.
   */
  verify(password: string, storedHash: string | null | undefined): Promise<boolean>;
}

export function createPasswordVerifier(): PasswordVerifier {
  // Made once at start, not on first use: the first unknown-email login must not take longer.
  const dummyHash = hash(randomBytes(32), ARGON2ID_OPTIONS);
  dummyHash.catch(() => {});
  return {
    verify: async (password, storedHash) => {
      const against = storedHash ?? (await dummyHash);
      try {
        const matches = await verify(against, password);
        return matches && storedHash !== null && storedHash !== undefined;
      } catch {
        // A malformed stored hash is a failed login, not a 500 that tells the account exists.
        return false;
      }
    },
  };
}
