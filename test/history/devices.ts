// A signed-in device of a test user: its own session (docs/accounts.md), told apart by its user
// agent, which a version names as `device_name` (docs/history-and-trash.md).
import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import type { RegisteredUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';

export interface Device {
  token: string;
  /** The session id the access token carries: what a version names as `device_id`. */
  sessionId: string;
  name: string;
}

/** Signs `user` in once more, from a client that calls itself `name`. */
export async function signIn(baseUrl: string, user: RegisteredUser, name: string): Promise<Device> {
  const response = await request(baseUrl, 'POST', '/api/v1/auth/login', {
    body: { email: user.email, password: user.password },
    headers: { 'user-agent': name },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const token = response.body.data.access_token as string;
  return { token, sessionId: String(decodeJwt(token).sid), name };
}
