import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { ClientInfo } from '../domain/auth/login-throttle.ts';
import { clientAddressSubject } from '../domain/rate-limit/rules.ts';

/**
 * The client's IP address: the socket's peer, or with TRUST_PROXY the last X-Forwarded-For entry,
 * which is the address our own proxy saw (earlier entries are whatever the client sent, so they
 * prove nothing). Undefined when neither is known (e.g. a request not served by a socket).
 */
export function clientAddress(c: Context, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for');
    const last = forwarded?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** Who is calling, as the auth and account services take it: rate-limit subject, IP, user agent. */
export function clientInfo(c: Context, trustProxy: boolean): ClientInfo {
  const address = clientAddress(c, trustProxy);
  return {
    address: address ? clientAddressSubject(address) : undefined,
    ip: address,
    userAgent: c.req.header('user-agent'),
  };
}
