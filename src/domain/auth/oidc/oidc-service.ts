// Sign-in and account linking through OpenID Connect providers: authorization code flow with
// PKCE, state and nonce, via openid-client (docs/identity-providers.md has the whole flow).
import * as client from 'openid-client';
import { eq } from 'drizzle-orm';
import type { OidcConfig } from '../../../config.ts';
import type { Db } from '../../../db/client.ts';
import { postgresErrorOf } from '../../../db/errors.ts';
import { users } from '../../../db/schema/users.ts';
import type { Logger } from '../../../logger.ts';
import { DomainError, conflict, fieldError, notFound, rateLimited } from '../../errors.ts';
import type { RateLimiter } from '../../rate-limit/rate-limiter.ts';
import type { RateLimitRules } from '../../rate-limit/rules.ts';
import { recordChanges } from '../../change-feed.ts';
import { type PublicUser, insertAccount } from '../accounts.ts';
import type { AuthContext } from '../auth-context.ts';
import type { AuthService, ClientInfo, SignedIn } from '../auth-service.ts';
import { isValidEmail, normalizeEmail } from '../email.ts';
import type { ProviderRegistry } from './providers.ts';
import {
  type IdentityRow,
  type ProviderClaims,
  deleteIdentity,
  findIdentity,
  insertCode,
  insertFlow,
  insertIdentity,
  listIdentities,
  randomSecret,
  secretHash,
  takeCode,
  takeFlow,
  touchIdentity,
  FLOW_TTL_SECONDS,
} from './store.ts';

/**
 * Why a sign-in was refused: the `error` the app receives on its redirect_uri, or
 * `details.reason` of an OIDC_SIGN_IN_FAILED answer (docs/identity-providers.md lists them).
 */
export type OidcFailure =
  /** Unknown, expired or already used state, or a callback in another browser than the start. */
  | 'invalid_state'
  /** The provider answered with an error (the person declined, the provider refused the client). */
  | 'provider_error'
  /** The provider refused the authorization code: used twice, expired, or the PKCE verifier is wrong. */
  | 'code_rejected'
  /** The id_token failed a check: signature, issuer, audience, expiry, nonce. */
  | 'invalid_id_token'
  /** The provider gave no usable email address, which a new account needs. */
  | 'email_missing'
  /** The address matches an existing account and the provider has not verified it. */
  | 'email_unverified'
  /** The (verified) address matches an existing account: its owner signs in and links. */
  | 'account_exists'
  /** The provider account is already linked to another user. */
  | 'identity_in_use'
  /** The linked account is suspended or deleted. */
  | 'account_inactive'
  /** The provider could not be reached (discovery or the token endpoint is down). */
  | 'provider_unavailable'
  /** The one-time code of the exchange is unknown, expired or used. */
  | 'invalid_code'
  /** The link ticket is unknown, expired, used, or for another provider. */
  | 'invalid_link';

export const oidcFailure = (reason: OidcFailure, message: string) =>
  new DomainError('OIDC_SIGN_IN_FAILED', message, { reason });

/** The cookie that binds a flow to the browser that started it, named after its state. */
export const flowCookieName = (state: string) => `fl_oidc_${secretHash(state).slice(0, 24)}`;
export const FLOW_COOKIE_MAX_AGE_SECONDS = FLOW_TTL_SECONDS;

export interface PublicIdentity {
  id: string;
  provider: string;
  email: string | null;
  email_verified: boolean;
  created_at: Date;
  last_used_at: Date | null;
}

export interface StartedFlow {
  authorizationUrl: string;
  state: string;
  /** Goes into the flowCookieName(state) cookie; the callback requires it back. */
  browserSecret: string;
}

export interface OidcService {
  providers(): Array<{ name: string; label: string }>;
  /** A new flow: either a sign-in (`redirectUri`) or a link (`linkTicket` from startLink). */
  start(
    input: { provider: string; redirectUri: string; linkTicket?: string | undefined },
    client: ClientInfo,
  ): Promise<StartedFlow>;
  /**
   * The provider's answer. Returns where to send the browser: the flow's redirect_uri with `code`,
   * `linked` or `error`. Throws OIDC_SIGN_IN_FAILED invalid_state when there is no flow to answer.
   */
  callback(input: {
    provider: string;
    query: URLSearchParams;
    browserSecret: (cookieName: string) => string | undefined;
  }): Promise<string>;
  /** The one-time code → the login answer; `created` when this sign-in created the account. */
  exchange(code: string, client: ClientInfo): Promise<{ signedIn: SignedIn; created: boolean }>;
  /** A signed-in user starts linking: the URL of start (with a one-time ticket) for the browser. */
  startLink(auth: AuthContext, input: { provider: string; redirectUri: string }): Promise<string>;
  listIdentities(auth: AuthContext): Promise<PublicIdentity[]>;
  /** 404 for an identity not the caller's; 409 CONFLICT when it is the last way to sign in. */
  unlink(auth: AuthContext, identityId: string): Promise<void>;
}

export interface OidcServiceDependencies {
  db: Db;
  config: OidcConfig;
  publicUrl: string | undefined;
  registry: ProviderRegistry;
  auth: AuthService;
  rateLimiter: RateLimiter;
  rules: RateLimitRules;
  logger: Logger;
  /**
   * After an account is created with an address the provider has not verified: the verification
   * mail, as registration sends it.
   */
  afterUnverifiedSignUp?: (user: PublicUser) => void;
}

const FULL_NAME_MAX = 255;
const AVATAR_URL_MAX = 2048;
const SUBJECT_MAX = 255;

/** A refusal the callback reports to the app on its redirect_uri (not thrown past the service). */
class Refusal extends Error {
  readonly reason: OidcFailure;
  constructor(reason: OidcFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

export function createOidcService(deps: OidcServiceDependencies): OidcService {
  const { db, registry, logger } = deps;
  const allowedRedirects = new Set(deps.config.redirectUris);

  const requireAllowedRedirect = (value: string): string => {
    let normalized: string;
    try {
      normalized = new URL(value).href;
    } catch {
      throw fieldError('redirect_uri', 'must be a URL');
    }
    if (!allowedRedirects.has(normalized)) throw fieldError('redirect_uri', 'is not an allowed redirect target');
    return normalized;
  };

  /** Runs the code grant and every check of the answer; the claims of a verified id_token. */
  const verifyAnswer = async (
    provider: string,
    flow: { state: string; codeVerifier: string; nonce: string },
    query: URLSearchParams,
  ): Promise<VerifiedClaims> => {
    let configuration: client.Configuration;
    try {
      configuration = await registry.configuration(provider);
    } catch {
      throw new Refusal('provider_unavailable', 'The identity provider cannot be reached');
    }
    const currentUrl = new URL(registry.callbackUrl(provider));
    currentUrl.search = query.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedNonce: flow.nonce,
        expectedState: flow.state,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError)
        throw new Refusal('provider_error', `The identity provider answered ${error.error}`);
      if (error instanceof client.ResponseBodyError)
        throw new Refusal('code_rejected', `The identity provider refused the code (${error.error})`);
      if (error instanceof TypeError || (error instanceof Error && error.name === 'AbortError'))
        throw new Refusal('provider_unavailable', 'The identity provider cannot be reached');
      logger.info({ provider, err: error }, 'id_token refused');
      throw new Refusal('invalid_id_token', 'The identity token failed verification');
    }
    const idToken = tokens.claims();
    if (!idToken || typeof idToken.sub !== 'string' || idToken.sub === '' || idToken.sub.length > SUBJECT_MAX)
      throw new Refusal('invalid_id_token', 'The identity token has no usable subject');
    let profile: Record<string, unknown> = idToken;
    // Many providers put the email in the id_token; the others (oidc-provider by default) only
    // answer it from userinfo, whose `sub` openid-client requires to be the id_token's.
    if (idToken.email === undefined && configuration.serverMetadata().userinfo_endpoint) {
      try {
        profile = { ...(await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub)), ...idToken };
      } catch (error) {
        logger.info({ provider, err: error }, 'userinfo refused');
        throw new Refusal('invalid_id_token', 'The identity provider userinfo failed verification');
      }
    }
    const email = typeof profile.email === 'string' ? normalizeEmail(profile.email) : null;
    return {
      provider,
      issuer: idToken.iss,
      subject: idToken.sub,
      email: email && isValidEmail(email) ? email : null,
      // Some providers send the string "true"; anything else is not a promise the address is theirs.
      emailVerified: profile.email_verified === true || profile.email_verified === 'true',
      ...profileFields(profile),
    };
  };

  const signIn = async (claims: VerifiedClaims): Promise<{ userId: string; created: boolean }> => {
    const known = await findIdentity(db, claims.issuer, claims.subject);
    if (known) {
      const [user] = await db.select({ status: users.status }).from(users).where(eq(users.id, known.user_id));
      if (user?.status !== 'active') throw new Refusal('account_inactive', 'The account is not active');
      await touchIdentity(db, known.id, claims);
      return { userId: known.user_id, created: false };
    }
    if (!claims.email) throw new Refusal('email_missing', 'The identity provider gave no email address');
    const email = claims.email;
    const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    // Never signs anyone into an account that exists already: its owner links the provider
    // while signed in. An unverified address is named as such, since verifying it will not help.
    if (existing) throw refusalForExisting(claims.emailVerified);
    try {
      const user = await db.transaction(async (tx) => {
        const account = await insertAccount(tx, {
          email,
          passwordHash: null,
          fullName: claims.fullName ?? email.split('@')[0] ?? email,
          avatarUrl: claims.avatarUrl,
          emailVerifiedAt: claims.emailVerified ? new Date() : null,
        });
        await insertIdentity(tx, account.user.id, claims);
        await recordChanges(tx, account.user.id, account.changes);
        return account.user;
      });
      if (!claims.emailVerified) deps.afterUnverifiedSignUp?.(user);
      return { userId: user.id, created: true };
    } catch (error) {
      // Someone registered the address (or the same provider account signed up) meanwhile.
      if (postgresErrorOf(error)?.code === '23505') throw refusalForExisting(claims.emailVerified);
      throw error;
    }
  };

  const link = async (userId: string, claims: ProviderClaims): Promise<void> => {
    const known = await findIdentity(db, claims.issuer, claims.subject);
    if (known && known.user_id !== userId)
      throw new Refusal('identity_in_use', 'This provider account is linked to another user');
    if (known) {
      await touchIdentity(db, known.id, claims);
      return;
    }
    try {
      await insertIdentity(db, userId, claims);
    } catch (error) {
      if (postgresErrorOf(error)?.code === '23505')
        throw new Refusal('identity_in_use', 'This provider account is linked to another user');
      throw error;
    }
  };

  return {
    providers: () => registry.list().map((provider) => ({ name: provider.name, label: provider.label })),

    start: async (input, clientInfo) => {
      const provider = registry.get(input.provider);
      const redirectUri = requireAllowedRedirect(input.redirectUri);
      if (clientInfo.address) {
        const decision = await deps.rateLimiter.consume(deps.rules.oidcStartPerIp, clientInfo.address);
        if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
      }
      let linkUserId: string | null = null;
      if (input.linkTicket !== undefined) {
        const ticket = await takeCode(db, 'link', input.linkTicket);
        if (!ticket || ticket.provider !== provider.name)
          throw oidcFailure('invalid_link', 'The link ticket is unknown, expired or already used');
        linkUserId = ticket.user_id;
      }
      const configuration = await registry.configuration(provider.name);
      const state = client.randomState();
      const nonce = client.randomNonce();
      const codeVerifier = client.randomPKCECodeVerifier();
      const browserSecret = randomSecret();
      await insertFlow(db, {
        state,
        provider: provider.name,
        codeVerifier,
        nonce,
        browserSecret,
        redirectUri,
        linkUserId,
      });
      const authorizationUrl = client.buildAuthorizationUrl(configuration, {
        redirect_uri: registry.callbackUrl(provider.name),
        scope: provider.scopes,
        response_type: 'code',
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      return { authorizationUrl: authorizationUrl.href, state, browserSecret };
    },

    callback: async ({ provider, query, browserSecret }) => {
      const state = query.get('state');
      const flow = state ? await takeFlow(db, state) : undefined;
      if (!state || !flow) {
        logger.info({ provider }, 'identity provider callback without a live flow');
        throw oidcFailure('invalid_state', 'The sign-in is unknown, expired or already finished; start again');
      }
      const answer = (params: Record<string, string>) => {
        const target = new URL(flow.redirect_uri);
        for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
        return target.href;
      };
      try {
        const presented = browserSecret(flowCookieName(state));
        if (flow.provider !== provider || !presented || secretHash(presented) !== flow.browser_hash)
          throw new Refusal('invalid_state', 'The sign-in was started in another browser');
        const claims = await verifyAnswer(
          provider,
          { state, codeVerifier: flow.code_verifier, nonce: flow.nonce },
          query,
        );
        if (flow.link_user_id) {
          await link(flow.link_user_id, claims);
          logger.info({ provider, user_id: flow.link_user_id }, 'identity linked');
          return answer({ linked: provider });
        }
        const { userId, created } = await signIn(claims);
        const code = await insertCode(db, { purpose: 'sign_in', userId, provider, accountCreated: created });
        logger.info({ provider, user_id: userId, created }, 'identity provider sign-in');
        return answer({ code });
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        logger.info({ provider, reason: error.reason }, 'identity provider sign-in refused');
        return answer({ error: error.reason });
      }
    },

    exchange: async (code, clientInfo) => {
      const row = await takeCode(db, 'sign_in', code);
      if (!row) throw oidcFailure('invalid_code', 'The code is unknown, expired or already used');
      try {
        return { signedIn: await deps.auth.signInVerified(row.user_id, clientInfo), created: row.account_created };
      } catch (error) {
        if (error instanceof DomainError && error.code === 'UNAUTHORIZED')
          throw oidcFailure('account_inactive', 'The account is not active');
        throw error;
      }
    },

    startLink: async (auth, input) => {
      const provider = registry.get(input.provider);
      const redirectUri = requireAllowedRedirect(input.redirectUri);
      if (!deps.publicUrl) throw new DomainError('SERVICE_UNAVAILABLE', 'PUBLIC_URL is not configured');
      const ticket = await insertCode(db, {
        purpose: 'link',
        userId: auth.userId,
        provider: provider.name,
        accountCreated: false,
      });
      const startUrl = new URL(`${deps.publicUrl}/api/v1/auth/oidc/${provider.name}/start`);
      startUrl.searchParams.set('redirect_uri', redirectUri);
      startUrl.searchParams.set('link', ticket);
      return startUrl.href;
    },

    listIdentities: async (auth) => (await listIdentities(db, auth.userId)).map(publicIdentity),

    unlink: async (auth, identityId) => {
      await db.transaction(async (tx) => {
        // The user row lock serializes two unlinks racing for the last two ways to sign in.
        const [user] = await tx
          .select({ password_hash: users.password_hash })
          .from(users)
          .where(eq(users.id, auth.userId))
          .for('update');
        if (!user) throw notFound('Identity');
        const identities = await listIdentities(tx, auth.userId);
        if (!identities.some((identity) => identity.id === identityId)) throw notFound('Identity');
        const remaining = identities.length - 1 + (user.password_hash ? 1 : 0);
        if (remaining < 1)
          throw conflict(
            'This is the only way to sign in to the account; set a password or link another provider first',
          );
        await deleteIdentity(tx, auth.userId, identityId);
      });
    },
  };
}

interface ProfileFields {
  fullName: string | null;
  avatarUrl: string | null;
}

type VerifiedClaims = ProviderClaims & ProfileFields;

/** The new account's name and picture, from the standard claims, cut to what the columns hold. */
function profileFields(profile: Record<string, unknown>): ProfileFields {
  const name = typeof profile.name === 'string' ? profile.name.trim().slice(0, FULL_NAME_MAX) : '';
  const picture = typeof profile.picture === 'string' ? profile.picture : '';
  return {
    fullName: name === '' ? null : name,
    avatarUrl: /^https:\/\//.test(picture) && picture.length <= AVATAR_URL_MAX ? picture : null,
  };
}

function refusalForExisting(emailVerified: boolean): Refusal {
  return emailVerified
    ? new Refusal('account_exists', 'An account with this email exists; sign in and link the provider')
    : new Refusal('email_unverified', 'The provider has not verified this email, which belongs to an account');
}

function publicIdentity(row: IdentityRow): PublicIdentity {
  return {
    id: row.id,
    provider: row.provider,
    email: row.email,
    email_verified: row.email_verified,
    created_at: row.created_at,
    last_used_at: row.last_used_at,
  };
}
