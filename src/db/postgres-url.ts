// A DATABASE_URL may name PostgreSQL's Unix-domain socket directory the way libpq spells it:
// `postgres://user@localhost:5432/db?host=/var/run/postgresql`. postgres.js takes the host from
// the URL's authority only, which cannot hold a path, so the directory goes in its `host` option.
//
// Why a socket when PostgreSQL runs on the same machine: every group commit of the update log is
// one write to PostgreSQL, and on a loopback TCP connection that write runs much of the TCP
// receive path in this process (`writeBuffer` under postgres.js `nextWrite` in the collab
// benchmark's CPU profiles); over a Unix socket both sides spend less CPU per commit
// (docs/benchmarks.md, "Hot path, fourth round").
import postgres from 'postgres';

type ClientOptions = NonNullable<Parameters<typeof postgres>[1]>;

/** The URL postgres.js can parse, and the socket directory when the URL names one. */
export function postgresTarget(url: string): { url: string; socketDirectory: string | undefined } {
  const parsed = new URL(url);
  const host = parsed.searchParams.get('host');
  if (host === null || !host.startsWith('/')) return { url, socketDirectory: undefined };
  // Left in the query, postgres.js would send `host` to the server as a run-time parameter.
  parsed.searchParams.delete('host');
  return { url: parsed.toString(), socketDirectory: host };
}

/** `postgres(url, options)`, reaching a socket directory named by `?host=/…`. */
export function connectPostgres(url: string, options: ClientOptions = {}): postgres.Sql {
  const target = postgresTarget(url);
  return postgres(target.url, target.socketDirectory ? { ...options, host: target.socketDirectory } : options);
}
