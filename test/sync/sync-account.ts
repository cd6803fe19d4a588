// A fresh user with the two clients the sync tests drive it through: REST (what a web client
// writes) and the sync API (what a device pushes and pulls).
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { apiFor, type Api } from '../resources/world.ts';
import { syncClient, type SyncClient } from './sync-client.ts';

export interface SyncAccount {
  user: RegisteredUser;
  api: Api;
  sync: SyncClient;
}

export async function syncAccount(baseUrl: string): Promise<SyncAccount> {
  const user = await registerUser(baseUrl);
  return { user, api: apiFor(baseUrl, user.accessToken), sync: syncClient(baseUrl, user.accessToken) };
}
