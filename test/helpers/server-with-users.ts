// The set-up most API and collaboration test files share: one server for the file, a few users
// (or a mail trap) made for it, and the providers its tests open, closed before the server goes.
import { registerUser, type RegisteredUser } from './auth.ts';
import { destroyProviders, type TestProvider } from './collab.ts';
import { startTestServer, type TestServer } from './server.ts';
import { startMailTrap, type MailTrap } from './smtp.ts';

/** `Count` items as a tuple, so that `[server, alice, bob]` needs no non-null assertion. */
export type Several<Item, Count extends number, Acc extends Item[] = []> = Acc['length'] extends Count
  ? Acc
  : Several<Item, Count, [...Acc, Item]>;

/**
 * Starts a test server and prepares `count` things on it (users, users with data), one after the
 * other. When preparing fails the server is dropped here: the caller never got it, so its afterAll
 * cannot.
 */
export async function startServerWith<Item, Count extends number>(
  count: Count,
  prepare: (baseUrl: string) => Promise<Item>,
  env: Record<string, string> = {},
): Promise<[TestServer, ...Several<Item, Count>]> {
  const server = await startTestServer(env);
  try {
    const items: Item[] = [];
    for (let i = 0; i < count; i += 1) items.push(await prepare(server.url));
    return [server, ...(items as Several<Item, Count>)];
  } catch (error) {
    await server.destroy();
    throw error;
  }
}

/** `[server, alice, bob] = await startServerWithUsers(2, env)`: fresh users registered through the API. */
export const startServerWithUsers = <Count extends number>(count: Count, env: Record<string, string> = {}) =>
  startServerWith<RegisteredUser, Count>(count, (baseUrl) => registerUser(baseUrl), env);

/** `[server, mail] = await startServerWithMailTrap(env)`: a test server sending its mail to a trap the test reads. */
export async function startServerWithMailTrap(env: Record<string, string> = {}): Promise<[TestServer, MailTrap]> {
  const mail = await startMailTrap();
  try {
    return [await startTestServer({ SMTP_URL: mail.url, ...env }), mail];
  } catch (error) {
    await mail.close();
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
