// docs/accounts.md: passwords, email address, sessions, closing the account. Thin: parse, call the
// account service, shape the answer.
import { createRoute, z } from '@hono/zod-openapi';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { clientInfo } from '../client-address.ts';
import {
  AcceptedSchema,
  ChangeEmailBody,
  ChangePasswordBody,
  DeleteAccountBody,
  ForgotPasswordBody,
  ResetPasswordBody,
  SessionListSchema,
  VerifyEmailBody,
} from './auth-schemas.ts';
import { caller, errorResponse as error, jsonBody as body, jsonContent as json, SECURITY } from './resource-kit.ts';

const noContent = (description: string) => ({ 204: { description } });
const NO_MAIL = error('EMAIL_NOT_CONFIGURED: this server cannot send mail');

const changePasswordRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/password',
  tags: ['account'],
  summary: 'Change the password; every other session is signed out',
  security: SECURITY,
  request: body(ChangePasswordBody),
  responses: {
    ...noContent('Changed'),
    400: error('VALIDATION_ERROR'),
    401: error('UNAUTHORIZED, or INVALID_CREDENTIALS: the current password is wrong'),
    429: error('RATE_LIMIT_EXCEEDED: too many wrong passwords; see Retry-After'),
  },
});

const forgotPasswordRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/password/forgot',
  tags: ['account'],
  summary: 'Mail a password-reset link (the same answer whether or not the address has an account)',
  request: body(ForgotPasswordBody),
  responses: {
    202: json(AcceptedSchema, 'Taken: if the address has an account, a link valid for one hour is on its way'),
    400: error('VALIDATION_ERROR'),
    429: error('RATE_LIMIT_EXCEEDED: too many requests for this address or from this client; see Retry-After'),
    503: NO_MAIL,
  },
});

const resetPasswordRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/password/reset',
  tags: ['account'],
  summary: 'Set a new password with the mailed token (single use); every session is signed out',
  request: body(ResetPasswordBody),
  responses: {
    ...noContent('Password set: sign in with it'),
    400: error('VALIDATION_ERROR: the token is invalid, expired or already used'),
  },
});

const verifyEmailRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/email/verify',
  tags: ['account'],
  summary: 'Confirm the address with the mailed token (verification, or the switch to a new address)',
  request: body(VerifyEmailBody),
  responses: {
    ...noContent('Confirmed'),
    400: error('VALIDATION_ERROR: the token is invalid, expired or already used'),
    409: error('CONFLICT: another account took the new address meanwhile'),
  },
});

const resendVerificationRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/email/resend',
  tags: ['account'],
  summary: 'Mail the verification link again (nothing is sent once the address is verified)',
  security: SECURITY,
  responses: {
    202: json(AcceptedSchema, 'Taken'),
    401: error('UNAUTHORIZED'),
    429: error('RATE_LIMIT_EXCEEDED: see Retry-After'),
    503: NO_MAIL,
  },
});

const changeEmailRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/email',
  tags: ['account'],
  summary: 'Ask to change the email address: a link goes to the new one, which takes over once confirmed',
  security: SECURITY,
  request: body(ChangeEmailBody),
  responses: {
    202: json(AcceptedSchema, 'Taken: confirm from the new address'),
    400: error('VALIDATION_ERROR'),
    401: error('UNAUTHORIZED, or INVALID_CREDENTIALS: the password is wrong'),
    409: error('CONFLICT: another account has this address'),
    429: error('RATE_LIMIT_EXCEEDED: too many wrong passwords; see Retry-After'),
    503: NO_MAIL,
  },
});

const listSessionsRoute = createRoute({
  method: 'get',
  path: '/api/v1/auth/sessions',
  tags: ['account'],
  summary: 'The signed-in devices (live sessions), most recently used first',
  security: SECURITY,
  responses: { 200: json(SessionListSchema, 'Live sessions'), 401: error('UNAUTHORIZED') },
});

const endSessionRoute = createRoute({
  method: 'delete',
  path: '/api/v1/auth/sessions/{id}',
  tags: ['account'],
  summary: 'Sign one device out: its tokens and collaboration sockets stop at once',
  security: SECURITY,
  request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    ...noContent('Ended'),
    400: error('VALIDATION_ERROR'),
    401: error('UNAUTHORIZED'),
    404: error('NOT_FOUND: no live session of yours with this id'),
  },
});

const logoutAllRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/logout-all',
  tags: ['account'],
  summary: 'Sign every device out, this one included',
  security: SECURITY,
  responses: { ...noContent('Every session ended'), 401: error('UNAUTHORIZED') },
});

const deleteAccountRoute = createRoute({
  method: 'delete',
  path: '/api/v1/auth/account',
  tags: ['account'],
  summary: 'Close the account: everything of it is deleted, every device signed out',
  security: SECURITY,
  request: body(DeleteAccountBody),
  responses: {
    ...noContent('Deleted'),
    400: error('VALIDATION_ERROR'),
    401: error('UNAUTHORIZED, or INVALID_CREDENTIALS: the password is wrong'),
    429: error('RATE_LIMIT_EXCEEDED: too many wrong passwords; see Retry-After'),
  },
});

const ACCEPTED = { data: { accepted: true as const } };

export function registerAccountRoutes(app: App, services: Services): void {
  const { accounts } = services;
  const client = (c: Parameters<typeof clientInfo>[0]) => clientInfo(c, services.config.trustProxy);

  app.openapi(changePasswordRoute, async (c) => {
    await accounts.changePassword(caller(c), c.req.valid('json'), client(c));
    return c.body(null, 204);
  });
  app.openapi(forgotPasswordRoute, async (c) => {
    await accounts.forgotPassword(c.req.valid('json'), client(c));
    return c.json(ACCEPTED, 202);
  });
  app.openapi(resetPasswordRoute, async (c) => {
    await accounts.resetPassword(c.req.valid('json'));
    return c.body(null, 204);
  });
  app.openapi(verifyEmailRoute, async (c) => {
    await accounts.verifyEmail(c.req.valid('json'));
    return c.body(null, 204);
  });
  app.openapi(resendVerificationRoute, async (c) => {
    await accounts.resendVerification(caller(c));
    return c.json(ACCEPTED, 202);
  });
  app.openapi(changeEmailRoute, async (c) => {
    await accounts.changeEmail(caller(c), c.req.valid('json'), client(c));
    return c.json(ACCEPTED, 202);
  });
  app.openapi(listSessionsRoute, async (c) => {
    return c.json({ data: await accounts.listSessions(caller(c)) }, 200);
  });
  app.openapi(endSessionRoute, async (c) => {
    await accounts.endSession(caller(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
  app.openapi(logoutAllRoute, async (c) => {
    await accounts.logoutAll(caller(c));
    return c.body(null, 204);
  });
  app.openapi(deleteAccountRoute, async (c) => {
    await accounts.deleteAccount(caller(c), c.req.valid('json'), client(c));
    return c.body(null, 204);
  });
}
