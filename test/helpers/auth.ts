import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { request } from './http.ts';

export interface RegisteredUser {
  email: string;
  password: string;
  userId: string;
  contactZeroId: string;
  accessToken: string;
  refreshToken: string;
  /** The full `data` of the register answer. */
  data: any;
}

/** Registers a fresh user through the real API (docs/api.md) and returns its tokens. */
export async function registerUser(
  baseUrl: string,
  overrides: { email?: string; password?: string; full_name?: string } = {},
): Promise<RegisteredUser> {
  const email = overrides.email ?? `user-${randomUUID()}@example.com`;
  const password = overrides.password ?? `pw-${randomUUID()}`;
  const response = await request(baseUrl, 'POST', '/api/v1/auth/register', {
    body: { email, password, full_name: overrides.full_name ?? 'Test User' },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const data = response.body.data;
  return {
    email,
    password,
    userId: data.user.id,
    contactZeroId: data.contact_zero.id,
    accessToken: data.access_token,
    refreshToken: data.refresh_token,
    data,
  };
}
