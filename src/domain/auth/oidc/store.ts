// The rows of a provider sign-in: flows waiting for their callback, one-time codes, linked
// identities. Every lookup of a secret goes through its SHA-256, so a database read leaks none.
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { oidcCodes, oidcFlows, userIdentities } from '../../../db/schema/identities.ts';
import { ownedRow } from '../../ownership.ts';

export type FlowRow = typeof oidcFlows.$inferSelect;
export type CodeRow = typeof oidcCodes.$inferSelect;
export type IdentityRow = typeof userIdentities.$inferSelect;
export type CodePurpose = 'sign_in' | 'link';

export const FLOW_TTL_SECONDS = 10 * 60;
export const CODE_TTL_SECONDS = 60;

/** 32 random bytes, base64url: the secrets handed out (codes, tickets, browser binding). */
export const randomSecret = (): string => randomBytes(32).toString('base64url');
export const secretHash = (secret: string): string => createHash('sha256').update(secret).digest('hex');

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000);

export interface NewFlow {
  state: string;
  provider: string;
  codeVerifier: string;
  nonce: string;
  browserSecret: string;
  redirectUri: string;
  linkUserId: string | null;
}

/** Stores a flow; expired flows and codes are swept here, so neither table grows without bound. */
export async function insertFlow(db: Db, flow: NewFlow): Promise<FlowRow> {
  await db.delete(oidcFlows).where(lt(oidcFlows.expires_at, sql`now()`));
  await db.delete(oidcCodes).where(lt(oidcCodes.expires_at, sql`now()`));
  const [row] = await db
    .insert(oidcFlows)
    .values({
      state_hash: secretHash(flow.state),
      provider: flow.provider,
      code_verifier: flow.codeVerifier,
      nonce: flow.nonce,
      browser_hash: secretHash(flow.browserSecret),
      redirect_uri: flow.redirectUri,
      link_user_id: flow.linkUserId,
      expires_at: inSeconds(FLOW_TTL_SECONDS),
    })
    .returning();
  if (!row) throw new Error('inserting the flow returned no row');
  return row;
}

/** Removes and returns the unexpired flow of `state`: one callback per state, whatever happens next. */
export async function takeFlow(db: Db, state: string): Promise<FlowRow | undefined> {
  const [row] = await db
    .delete(oidcFlows)
    .where(and(eq(oidcFlows.state_hash, secretHash(state)), gt(oidcFlows.expires_at, sql`now()`)))
    .returning();
  return row;
}

export async function insertCode(
  db: Db,
  code: { purpose: CodePurpose; userId: string; provider: string; accountCreated: boolean },
): Promise<string> {
  const secret = randomSecret();
  await db.insert(oidcCodes).values({
    code_hash: secretHash(secret),
    purpose: code.purpose,
    user_id: code.userId,
    provider: code.provider,
    account_created: code.accountCreated,
    expires_at: inSeconds(CODE_TTL_SECONDS),
  });
  return secret;
}

/** Removes and returns the unexpired code: the DELETE lets exactly one of two racing uses win. */
export async function takeCode(db: Db, purpose: CodePurpose, secret: string): Promise<CodeRow | undefined> {
  const [row] = await db
    .delete(oidcCodes)
    .where(
      and(
        eq(oidcCodes.code_hash, secretHash(secret)),
        eq(oidcCodes.purpose, purpose),
        gt(oidcCodes.expires_at, sql`now()`),
      ),
    )
    .returning();
  return row;
}

export async function findIdentity(db: Db, issuer: string, subject: string): Promise<IdentityRow | undefined> {
  const [row] = await db
    .select()
    .from(userIdentities)
    .where(and(eq(userIdentities.issuer, issuer), eq(userIdentities.subject, subject)))
    .limit(1);
  return row;
}

export interface ProviderClaims {
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
}

export async function insertIdentity(db: Db, userId: string, claims: ProviderClaims): Promise<IdentityRow> {
  const [row] = await db
    .insert(userIdentities)
    .values({
      user_id: userId,
      provider: claims.provider,
      issuer: claims.issuer,
      subject: claims.subject,
      email: claims.email,
      email_verified: claims.emailVerified,
      last_used_at: new Date(),
    })
    .returning();
  if (!row) throw new Error('inserting the identity returned no row');
  return row;
}

/** What the provider says now (the address may have changed there) and when it was last used. */
export async function touchIdentity(db: Db, id: string, claims: ProviderClaims): Promise<void> {
  await db
    .update(userIdentities)
    .set({ email: claims.email, email_verified: claims.emailVerified, last_used_at: new Date() })
    .where(eq(userIdentities.id, id));
}

export async function listIdentities(db: Db, userId: string): Promise<IdentityRow[]> {
  return db
    .select()
    .from(userIdentities)
    .where(eq(userIdentities.user_id, userId))
    .orderBy(asc(userIdentities.created_at), asc(userIdentities.id));
}

export async function deleteIdentity(db: Db, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(userIdentities)
    .where(ownedRow(userIdentities, userId, id))
    .returning({ id: userIdentities.id });
  return deleted.length === 1;
}
