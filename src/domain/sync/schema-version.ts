// The sync protocol's schema version: the number of database migrations this server carries. A
// client built against a newer server schema may send fields or entity shapes this server does not
// understand, so it is refused (409 SCHEMA_MISMATCH) instead of half-applied.
import { expectedMigrationCount } from '../../db/migrate.ts';
import { DomainError } from '../errors.ts';

export const SERVER_SCHEMA_VERSION: number = expectedMigrationCount();

export function assertSchemaVersionSupported(clientVersion: number | undefined): void {
  if (clientVersion !== undefined && clientVersion > SERVER_SCHEMA_VERSION) {
    throw new DomainError(
      'SCHEMA_MISMATCH',
      `This server speaks schema version ${SERVER_SCHEMA_VERSION}; the client sent ${clientVersion}`,
      {
        server_schema_version: SERVER_SCHEMA_VERSION,
        client_schema_version: clientVersion,
      },
    );
  }
}
