import { createHash, randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { unauthorized } from '../errors.ts';
import { isUuid } from '../uuid.ts';

export const ACCESS_TOKEN_TTL_SECONDS = 60 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

const ALGORITHM = 'HS256';
const ISSUER = 'framelord-sync';
const AUDIENCE = 'framelord';
// The header `typ` tells the two kinds apart (RFC 9068 names access tokens `at+jwt`). Verification
// requires the exact one, so a refresh token is never accepted as an access token or the reverse.
const ACCESS_TYPE = 'at+jwt';
const REFRESH_TYPE = 'rt+jwt';
// Instances' clocks may differ by a little; more would stretch every expiry.
const CLOCK_TOLERANCE_SECONDS = 5;

export interface AccessClaims {
  userId: string;
  email: string;
  contactZeroId: string;
  sessionId: string;
}

export interface RefreshClaims {
  userId: string;
  sessionId: string;
  /** The token's `jti`: the session's refresh generation it was issued as. */
  generation: string;
}

/**
 * Fixes what is otherwise chosen at signing (`jti`, `iat`): HS256 is deterministic, so signing the
 * same claims with the same `at` gives the same token again. That is how a refresh retried within
 * the grace answers the pair it produced the first time without the server storing tokens.
 */
export interface SigningPoint {
  /** The refresh token's generation; the access token's `jti` is derived from it. */
  generation: string;
  /** Seconds since the epoch. */
  issuedAt: number;
}

export interface TokenCodec {
  signAccessToken(claims: AccessClaims, at?: SigningPoint): Promise<string>;
  /** Returns the token and its generation (`jti`), which the session row must then hold. */
  signRefreshToken(
    claims: Omit<RefreshClaims, 'generation'>,
    at?: SigningPoint,
  ): Promise<{ token: string; generation: string }>;
  /** Throws DomainError UNAUTHORIZED for any token that is not a valid, unexpired access token. */
  verifyAccessToken(token: string): Promise<AccessClaims>;
  verifyRefreshToken(token: string): Promise<RefreshClaims>;
  /**
   * Epoch ms from which `verifyAccessToken` refuses this token as expired (clock tolerance
   * included). Reads the claims without checking the signature: only for a token verified before.
   */
  accessTokenValidUntil(token: string): number;
}

export function createTokenCodec(secret: string): TokenCodec {
  // jose imports a raw Uint8Array key on every sign and verify; importing it once as a CryptoKey
  // takes that work off every authenticated request.
  const keyPromise = crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );

  const sign = async (
    type: string,
    payload: JWTPayload,
    subject: string,
    ttlSeconds: number,
    jti: string,
    issuedAt = Math.floor(Date.now() / 1000),
  ) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: ALGORITHM, typ: type })
      .setSubject(subject)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti(jti)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .sign(await keyPromise);

  const verify = async (token: string, type: string, requiredClaims: string[]): Promise<JWTPayload> => {
    try {
      const { payload } = await jwtVerify(token, await keyPromise, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: type,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'jti', 'iat', 'exp', ...requiredClaims],
      });
      return payload;
    } catch {
      // Which check failed is nobody's business but the server's: every refusal reads the same.
      throw unauthorized('The token is invalid or expired');
    }
  };

  const text = (payload: JWTPayload, claim: string): string => {
    const value = payload[claim];
    if (typeof value !== 'string' || value === '') throw unauthorized('The token is invalid or expired');
    return value;
  };
  // Ids are compared with uuid columns: anything else would be a database error, not a 401.
  const id = (payload: JWTPayload, claim: string): string => {
    const value = text(payload, claim);
    if (!isUuid(value)) throw unauthorized('The token is invalid or expired');
    return value;
  };

  return {
    signAccessToken: (claims, at) =>
      sign(
        ACCESS_TYPE,
        { email: claims.email, contact_zero_id: claims.contactZeroId, sid: claims.sessionId },
        claims.userId,
        ACCESS_TOKEN_TTL_SECONDS,
        at ? accessJtiOf(at.generation) : randomUUID(),
        at?.issuedAt,
      ),
    signRefreshToken: async (claims, at) => {
      const generation = at?.generation ?? randomUUID();
      const token = await sign(
        REFRESH_TYPE,
        { sid: claims.sessionId },
        claims.userId,
        REFRESH_TOKEN_TTL_SECONDS,
        generation,
        at?.issuedAt,
      );
      return { token, generation };
    },
    verifyAccessToken: async (token) => {
      const payload = await verify(token, ACCESS_TYPE, ['email', 'contact_zero_id', 'sid']);
      return {
        userId: id(payload, 'sub'),
        email: text(payload, 'email'),
        contactZeroId: id(payload, 'contact_zero_id'),
        sessionId: id(payload, 'sid'),
      };
    },
    accessTokenValidUntil: (token) => {
      const { exp } = decodeJwt(token);
      return typeof exp === 'number' ? (exp + CLOCK_TOLERANCE_SECONDS) * 1000 : Number.POSITIVE_INFINITY;
    },
    verifyRefreshToken: async (token) => {
      const payload = await verify(token, REFRESH_TYPE, ['sid']);
      return { userId: id(payload, 'sub'), sessionId: id(payload, 'sid'), generation: text(payload, 'jti') };
    },
  };
}

/** The access token paired with a refresh generation: a UUID-shaped digest, never the generation itself. */
function accessJtiOf(generation: string): string {
  const hex = createHash('sha256').update(`access:${generation}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
