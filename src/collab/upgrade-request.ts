// The upgrade request handed to Hocuspocus, which keeps it for the connection's life.
import type { IncomingMessage } from 'node:http';

/**
 * A Request whose `url` is relative (path and query). Hocuspocus builds `requestParameters` for
 * the payload of every hook from it, three times per update (before and after the message, on
 * change): an absolute URL costs a `new URL` each time (~1 µs), a relative one a split of the
 * query (`getParameters`, Hocuspocus 4.7). Nothing here reads the parameters; they stay correct.
 */
class UpgradeRequest extends Request {
  readonly #path: string;

  constructor(path: string, host: string, headers: Headers) {
    super(`http://${host}${path}`, { headers });
    this.#path = path;
  }

  override get url(): string {
    return this.#path;
  }
}

export function toWebRequest(request: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  return new UpgradeRequest(request.url ?? '/', request.headers.host ?? 'localhost', headers);
}
