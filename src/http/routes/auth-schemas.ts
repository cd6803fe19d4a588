// Request and response schemas of the auth routes: they validate requests and, through
// @hono/zod-openapi, are what /openapi.json shows.
import { z } from '@hono/zod-openapi';
import { ACCOUNT_TOKEN_MAX_LENGTH } from '../../domain/auth/account-tokens.ts';
import { EMAIL_MAX_LENGTH, isValidEmail } from '../../domain/auth/email.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../domain/auth/passwords.ts';

const AVATAR_URL_MAX_LENGTH = 2 * 1024 * 1024;

const EmailField = z
  .string()
  .max(EMAIL_MAX_LENGTH + 64)
  .refine(isValidEmail, 'must be a valid email address')
  .openapi({
    format: 'email',
    description: 'Trimmed and lower-cased by the server; unique case-insensitively',
    example: 'ada@example.com',
  });

export const RegisterBody = z
  .strictObject({
    email: EmailField,
    password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH).openapi({ format: 'password' }),
    full_name: z.string().trim().min(1).max(255).openapi({ example: 'Ada Lovelace' }),
    avatar_url: z
      .url({ protocol: /^(https?|data)$/ })
      .max(AVATAR_URL_MAX_LENGTH)
      .nullable()
      .optional()
      .openapi({ description: 'An http(s) or data: URL' }),
  })
  .openapi('RegisterRequest');

export const LoginBody = z
  .strictObject({
    email: EmailField,
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH).openapi({ format: 'password' }),
  })
  .openapi('LoginRequest');

const NewPassword = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH).openapi({ format: 'password' });
const CurrentPassword = z.string().min(1).max(PASSWORD_MAX_LENGTH).openapi({ format: 'password' });
const MailedToken = z
  .string()
  .min(1)
  .max(ACCOUNT_TOKEN_MAX_LENGTH)
  .openapi({ description: 'The `token` parameter of the link in the mail' });

export const ChangePasswordBody = z
  .strictObject({ current_password: CurrentPassword, new_password: NewPassword })
  .openapi('ChangePasswordRequest');
export const ForgotPasswordBody = z.strictObject({ email: EmailField }).openapi('ForgotPasswordRequest');
export const ResetPasswordBody = z
  .strictObject({ token: MailedToken, new_password: NewPassword })
  .openapi('ResetPasswordRequest');
export const VerifyEmailBody = z.strictObject({ token: MailedToken }).openapi('VerifyEmailRequest');
export const ChangeEmailBody = z
  .strictObject({ new_email: EmailField, password: CurrentPassword })
  .openapi('ChangeEmailRequest');
export const DeleteAccountBody = z.strictObject({ password: CurrentPassword }).openapi('DeleteAccountRequest');

export const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(4096) }).openapi('RefreshRequest');

const timestamp = z.string().openapi({ format: 'date-time' });
const nullableTimestamp = timestamp.nullable();
const uuid = z.string().openapi({ format: 'uuid' });

export const UserSchema = z
  .object({
    id: uuid,
    email: z.string(),
    email_verified_at: nullableTimestamp,
    full_name: z.string(),
    avatar_url: z.string().nullable(),
    phone: z.string().nullable(),
    status: z.string().openapi({ description: 'active | suspended | deleted' }),
    created_at: timestamp,
    updated_at: timestamp,
    last_login_at: nullableTimestamp,
  })
  .openapi('User', { description: 'The account. Never includes a password or its hash.' });

export const ContactZeroSchema = z
  .object({
    id: uuid,
    user_id: uuid,
    full_name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    avatar_url: z.string().nullable(),
    is_contact_zero: z.boolean(),
    relationship_domain: z.string().openapi({ description: 'business | personal | hybrid' }),
    relationship_role: z.string(),
    status: z.string(),
    frame_score: z.number().int().nullable(),
    frame_trend: z.string().nullable(),
    frame_last_scan_at: nullableTimestamp,
    last_contact_at: nullableTimestamp,
    next_action_at: nullableTimestamp,
    tags: z.array(z.string()).nullable(),
    company: z.string().nullable(),
    title: z.string().nullable(),
    location: z.string().nullable(),
    linkedin_url: z.string().nullable(),
    x_handle: z.string().nullable(),
    is_archived: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
    sync_version: z.number().int(),
    last_synced_at: nullableTimestamp,
  })
  .openapi('ContactZero', {
    description: 'The user as a contact of their own (`is_contact_zero`, `relationship_role: self`).',
  });

const tokenFields = {
  access_token: z
    .string()
    .openapi({ description: 'JWT (HS256), valid for `expires_in` seconds; send as `Authorization: Bearer`' }),
  refresh_token: z
    .string()
    .openapi({ description: 'JWT (HS256), valid 30 days, single use: each refresh returns a new one' }),
  expires_in: z.number().int().openapi({ example: 3600 }),
};

export const TokensSchema = z.object(tokenFields).openapi('AuthTokens');

export const SignedInSchema = z
  .object({ data: z.object({ user: UserSchema, contact_zero: ContactZeroSchema, ...tokenFields }) })
  .openapi('SignedIn');

export const RefreshedSchema = z.object({ data: TokensSchema }).openapi('Refreshed');

export const MeSchema = z
  .object({ data: z.object({ user: UserSchema, contact_zero: ContactZeroSchema }) })
  .openapi('Me');

export const SessionListSchema = z
  .object({
    data: z.array(
      z.object({
        id: uuid,
        created_at: timestamp,
        last_used_at: timestamp.openapi({ description: 'The latest refresh (or the sign-in)' }),
        expires_at: timestamp,
        user_agent: z.string().nullable(),
        ip_address: z.string().nullable(),
        current: z.boolean().openapi({ description: 'The session of the access token making this request' }),
      }),
    ),
  })
  .openapi('SessionList');

export const AcceptedSchema = z
  .object({ data: z.object({ accepted: z.literal(true) }) })
  .openapi('Accepted', { description: 'Taken; the outcome arrives by mail' });
