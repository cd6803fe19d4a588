// The set-up most API and collaboration test files share: one server for the file, a few users
// registered on it, and the providers its tests open, closed before the server goes.
import { registerUser, type RegisteredUser } from './auth.ts';
import { destroyProviders, type TestProvider } from './collab.ts';
import { startTestServer, type TestServer } from './server.ts';

/** `count` registered users as a tuple, so that `[server, alice, bob]` needs no non-null assertion. */
export type Users<Count extends number, Acc extends RegisteredUser[] = []> = Acc['length'] extends Count
  ? Acc
  : Users<Count, [...Acc, RegisteredUser]>;

/**
 * Starts a test server and registers `count` fresh users on it, one after the other:
 * `[server, alice, bob] = await startServerWithUsers(2, env)`. When a registration fails the server
 * is dropped here: the caller never got it, so its afterAll cannot.
 */
export async function startServerWithUsers<Count extends number>(
  count: Count,
  env: Record<string, string> = {},
): Promise<[TestServer, ...Users<Count>]> {
  const server = await startTestServer(env);
  try {
    const users: RegisteredUser[] = [];
    for (let i = 0; i < count; i += 1) users.push(await registerUser(server.url));
    return [server, ...(users as Users<Count>)];
  } catch (error) {
    await server.destroy();
    throw error;
  }
}

/**
 * The afterAll of such a file: the providers first (one left open on a stopped server would keep
 * reconnecting), then the server and its database. Either may be missing when set-up failed.
 */
export async function destroyProvidersAndServer(
  providers: TestProvider[],
  server: TestServer | undefined,
): Promise<void> {
  destroyProviders(providers);
  await server?.destroy();
}
