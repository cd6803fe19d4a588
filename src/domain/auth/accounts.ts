import { and, eq, getTableColumns } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { contacts } from '../../db/schema/contacts.ts';
import { folders } from '../../db/schema/folders.ts';
import { users } from '../../db/schema/users.ts';
import type { EntityType } from '../entity-types.ts';

export type UserRow = typeof users.$inferSelect;
/** A user as any answer may show it: the password hash is never selected, so it cannot leak. */
export type PublicUser = Omit<UserRow, 'password_hash'>;
export type ContactRow = typeof contacts.$inferSelect;

const { password_hash: _passwordHash, ...publicUserColumns } = getTableColumns(users);

/** The PARA folders every account starts with, in this order. */
export const DEFAULT_FOLDER_NAMES = ['Projects', 'Areas', 'Resources', 'Archive'] as const;

export interface NewAccount {
  /** Already normalized (trimmed, lower-cased). */
  email: string;
  /** Null for an account that signs in through an identity provider only. */
  passwordHash: string | null;
  fullName: string;
  avatarUrl: string | null;
  /** When a provider vouched for the address (docs/identity-providers.md); unset means unverified. */
  emailVerifiedAt?: Date | null;
}

export interface CreatedAccount {
  user: PublicUser;
  contactZero: ContactRow;
  /** The synced entities created, for the change feed. */
  changes: Array<{ entityType: EntityType; entityId: string }>;
}

/**
 * Writes a new account: the user, their Contact Zero (the user as a contact of their own) and the
 * default folders. Call inside the registration transaction: a failure of any part must leave
 * none of it.
 */
export async function insertAccount(tx: Db, account: NewAccount): Promise<CreatedAccount> {
  const [user] = await tx
    .insert(users)
    // Signing up signs in.
    .values({
      email: account.email,
      password_hash: account.passwordHash,
      email_verified_at: account.emailVerifiedAt ?? null,
      full_name: account.fullName,
      avatar_url: account.avatarUrl,
      last_login_at: new Date(),
    })
    .returning(publicUserColumns);
  if (!user) throw new Error('inserting the user returned no row');
  const [contactZero] = await tx
    .insert(contacts)
    .values({
      user_id: user.id,
      full_name: account.fullName,
      email: account.email,
      avatar_url: account.avatarUrl,
      is_contact_zero: true,
      relationship_role: 'self',
      relationship_domain: 'hybrid',
    })
    .returning();
  if (!contactZero) throw new Error('inserting Contact Zero returned no row');
  const createdFolders = await tx
    .insert(folders)
    .values(
      DEFAULT_FOLDER_NAMES.map((name, index) => ({ user_id: user.id, name, sort_order: index, is_default: true })),
    )
    .returning({ id: folders.id });
  return {
    user,
    contactZero,
    changes: [
      { entityType: 'contact', entityId: contactZero.id },
      ...createdFolders.map((folder) => ({ entityType: 'folder' as const, entityId: folder.id })),
    ],
  };
}

/** What a login needs to check, by normalized email. The only read of a password hash. */
export async function findCredentials(
  db: Db,
  email: string,
): Promise<Pick<UserRow, 'id' | 'password_hash' | 'status'> | undefined> {
  const [row] = await db
    .select({ id: users.id, password_hash: users.password_hash, status: users.status })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  return row;
}

export async function loadAccount(
  db: Db,
  userId: string,
): Promise<{ user: PublicUser; contactZero: ContactRow } | undefined> {
  const [user] = await db.select(publicUserColumns).from(users).where(eq(users.id, userId)).limit(1);
  if (!user) return undefined;
  const [contactZero] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.user_id, userId), eq(contacts.is_contact_zero, true)))
    .limit(1);
  if (!contactZero) return undefined;
  return { user, contactZero };
}

export async function markLoggedIn(db: Db, userId: string): Promise<void> {
  await db.update(users).set({ last_login_at: new Date() }).where(eq(users.id, userId));
}

/** What a password check of a signed-in user needs. The second and last read of a password hash. */
export async function findCredentialsById(
  db: Db,
  userId: string,
): Promise<Pick<UserRow, 'id' | 'email' | 'password_hash' | 'status'> | undefined> {
  const [row] = await db
    .select({ id: users.id, email: users.email, password_hash: users.password_hash, status: users.status })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return row;
}

/** The active account with this normalized email, if any. */
export async function findActiveUserByEmail(db: Db, email: string): Promise<{ id: string } | undefined> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.email, email), eq(users.status, 'active')))
    .limit(1);
  return row;
}

export async function setPasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ password_hash: passwordHash, updated_at: new Date() }).where(eq(users.id, userId));
}

/** The profile fields the user row mirrors from Contact Zero (docs/accounts.md). */
export const MIRRORED_PROFILE_FIELDS = ['full_name', 'avatar_url', 'phone'] as const;

/**
 * Contact Zero is the user as a contact of their own: a write to it updates the user's mirrored
 * fields in the same transaction, so `/auth/me` and `/contacts` never disagree. The email is not
 * mirrored this way: it signs in, so it changes only through a verified email change.
 */
export async function mirrorContactZero(tx: Db, userId: string, contactZero: Record<string, unknown>): Promise<void> {
  const full_name = contactZero.full_name;
  if (typeof full_name !== 'string') return;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  await tx
    .update(users)
    .set({
      full_name,
      avatar_url: text(contactZero.avatar_url),
      phone: text(contactZero.phone),
      updated_at: new Date(),
    })
    .where(eq(users.id, userId));
}
