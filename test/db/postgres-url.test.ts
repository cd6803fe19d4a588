// A DATABASE_URL naming a Unix-domain socket directory (`?host=/dir`, libpq's spelling) reaches
// PostgreSQL through that socket; any other URL is passed on as it is.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { postgresTarget } from '../../src/db/postgres-url.ts';
import { queryRows } from '../../src/db/rows.ts';
import { createTestDatabase, type TestDatabase, testEngine } from '../helpers/database.ts';

describe('postgresTarget', () => {
  it('takes a socket directory out of the query', () => {
    expect(postgresTarget('postgres://app@localhost:5432/framelord?host=/var/run/postgresql&sslmode=disable')).toEqual({
      url: 'postgres://app@localhost:5432/framelord?sslmode=disable',
      socketDirectory: '/var/run/postgresql',
    });
  });

  it('leaves a TCP URL as it is, and a host parameter that is not a path', () => {
    for (const url of [
      'postgres://app:secret@db.internal:5432/framelord',
      'postgres://app@localhost/x?host=db.internal',
    ])
      expect(postgresTarget(url)).toEqual({ url, socketDirectory: undefined });
  });
});

describe.skipIf(testEngine() !== 'postgres')('a database URL with a socket directory (PostgreSQL)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('connects through the Unix-domain socket', async () => {
    const [setting] = await queryRows<{ directories: string }>(
      database.db,
      sql`select current_setting('unix_socket_directories') as directories`,
    );
    const directory = setting?.directories.split(',')[0]?.trim();
    if (!directory) throw new Error('this PostgreSQL listens on no Unix-domain socket');
    const url = new URL(database.provisioned.databaseUrl as string);
    url.searchParams.set('host', directory);
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: database.provisioned.dataDir });
    try {
      const rows = await queryRows<{ address: string | null; name: string }>(
        handle.db,
        sql`select inet_server_addr()::text as address, current_database() as name`,
      );
      // No server address: the session came over a Unix-domain socket, not TCP.
      expect(rows).toEqual([{ address: null, name: url.pathname.slice(1) }]);
    } finally {
      await handle.close();
    }
  });
});
