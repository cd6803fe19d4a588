// Text lengths (docs/security.md, "Text lengths"): every free-text column has one limit, declared in
// src/db/schema/text-limits.ts, that the API refuses with 400 VALIDATION_ERROR naming the field (REST
// and sync push alike) and that the database enforces with a CHECK should any path skip validation.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactions, tasks } from '../../src/db/schema/index.ts';
import { queryRows } from '../../src/db/rows.ts';
import { translateDatabaseError } from '../../src/db/errors.ts';
import {
  DATA_URL_MAX_CHARS,
  LONG_TEXT_MAX_CHARS,
  TEXT_LENGTH_LIMITS,
  URL_MAX_CHARS,
} from '../../src/db/schema/text-limits.ts';
import { importFrameLordExport } from '../../src/domain/import/import-service.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { ResourceDefinition } from '../../src/domain/resources/definition.ts';
import { buildResourceSchemas } from '../../src/domain/resources/schemas.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { loadSample } from '../import/support.ts';
import { change, contactData, syncClient } from '../sync/sync-client.ts';

let server: TestServer;
let user: RegisteredUser;
let contactId: string;

beforeAll(async () => {
  server = await startTestServer();
  user = await registerUser(server.url);
  const contact = await request(server.url, 'POST', '/api/v1/contacts', {
    token: user.accessToken,
    body: contactData('Limits'),
  });
  contactId = contact.body.data.id;
});
afterAll(async () => server?.destroy());

const tooLong = (limit: number) => ({ field: expect.any(String), message: `must be at most ${limit} characters` });

describe('REST', () => {
  // The routes whose bodies may be large (docs/security.md): there the text limit, not the body
  // limit, is what refuses. Each at its limit is accepted and one character past it is refused.
  const cases: Array<{ path: string; field: string; limit: number; body: () => Record<string, unknown> }> = [
    {
      path: 'projects',
      field: 'description',
      limit: LONG_TEXT_MAX_CHARS,
      body: () => ({ name: 'P', primary_contact_id: contactId }),
    },
    { path: 'groups', field: 'description', limit: LONG_TEXT_MAX_CHARS, body: () => ({ name: 'G' }) },
    {
      path: 'interactions',
      field: 'summary',
      limit: LONG_TEXT_MAX_CHARS,
      body: () => ({ contact_id: contactId, type: 'call', occurred_at: new Date().toISOString() }),
    },
    { path: 'contacts', field: 'linkedin_url', limit: URL_MAX_CHARS, body: () => contactData('Url') },
  ];
  const textOfLength = (field: string, length: number) =>
    field.endsWith('_url')
      ? `https://example.com/${'a'.repeat(length - 'https://example.com/'.length)}`
      : 'é'.repeat(length);

  it.each(cases)('$path $field: $limit characters are stored, one more is 400 naming the field', async (item) => {
    const atLimit = await request(server.url, 'POST', `/api/v1/${item.path}`, {
      token: user.accessToken,
      body: { ...item.body(), [item.field]: textOfLength(item.field, item.limit) },
    });
    expect(atLimit.status, JSON.stringify(atLimit.body).slice(0, 300)).toBe(201);
    expect(atLimit.body.data[item.field]).toHaveLength(item.limit);

    const past = await request(server.url, 'POST', `/api/v1/${item.path}`, {
      token: user.accessToken,
      body: { ...item.body(), [item.field]: textOfLength(item.field, item.limit + 1) },
    });
    expect(past.status).toBe(400);
    expect(past.body.error.code).toBe('VALIDATION_ERROR');
    expect(past.body.error.details).toEqual([{ ...tooLong(item.limit), field: item.field }]);

    const patched = await request(server.url, 'PATCH', `/api/v1/${item.path}/${atLimit.body.data.id}`, {
      token: user.accessToken,
      body: { [item.field]: textOfLength(item.field, item.limit + 1) },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details).toEqual([{ ...tooLong(item.limit), field: item.field }]);
  });

  it('the OpenAPI document shows each limit as the field maxLength', async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json();
    const schemas = document.components.schemas;
    const maxLength = (schema: string, field: string) => {
      const property = schemas[schema].properties[field];
      return (
        property.maxLength ?? property.anyOf?.find((option: { type?: string }) => option.type === 'string')?.maxLength
      );
    };
    expect(maxLength('TaskCreate', 'description')).toBe(LONG_TEXT_MAX_CHARS);
    expect(maxLength('ContactCreate', 'avatar_url')).toBe(DATA_URL_MAX_CHARS);
  });
});

describe('sync push', () => {
  it('a 1 MB task description fails that change with VALIDATION_ERROR naming description; the rest applies', async () => {
    const sync = syncClient(server.url, user.accessToken);
    const big = change({
      entity_type: 'task',
      entity_id: randomUUID(),
      operation: 'create',
      data: { contact_id: contactId, title: 'big', description: 'd'.repeat(1024 * 1024) },
    });
    const template = change({
      entity_type: 'pipeline_template',
      entity_id: randomUUID(),
      operation: 'create',
      data: { name: 'T', domain: 'business', description: 'd'.repeat(LONG_TEXT_MAX_CHARS + 1) },
    });
    const small = change({
      entity_type: 'task',
      entity_id: randomUUID(),
      operation: 'create',
      data: { contact_id: contactId, title: 'small', description: 'd'.repeat(LONG_TEXT_MAX_CHARS) },
    });
    const result = await sync.push('device-limits', [big, template, small]);
    // A push failure carries code and message (docs/sync.md); the message names the field.
    const refused = {
      code: 'VALIDATION_ERROR',
      message: `The request is not valid: description: must be at most ${LONG_TEXT_MAX_CHARS} characters`,
    };
    expect(result.failed).toEqual([
      { mutation_id: big.mutation_id, error: refused },
      { mutation_id: template.mutation_id, error: refused },
    ]);
    expect(result.successful).toEqual([small.mutation_id]);
  });
});

describe('the database', () => {
  it('refuses a write that skipped validation with a CHECK, answered as 400 naming the column', async () => {
    const db = server.server.services.db;
    const write = db.insert(tasks).values({
      user_id: user.userId,
      contact_id: contactId,
      title: 'direct',
      description: 'x'.repeat(LONG_TEXT_MAX_CHARS + 1),
    });
    const error = await write.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const translated = translateDatabaseError(error);
    expect(translated?.code).toBe('VALIDATION_ERROR');
    expect(translated?.details).toEqual([{ field: 'description', message: 'is too long' }]);
    // Characters, not bytes: the limit in four-byte characters still fits.
    await db.insert(interactions).values({
      user_id: user.userId,
      contact_id: contactId,
      author_contact_id: user.contactZeroId,
      type: 'call',
      summary: '😀'.repeat(LONG_TEXT_MAX_CHARS),
      occurred_at: new Date(),
    });
  });

  it('holds a CHECK for every entry of the limits table', async () => {
    const rows = await queryRows<{ table_name: string; name: string }>(
      server.server.services.db,
      sql`SELECT rel.relname AS table_name, con.conname AS name
            FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
           WHERE con.contype = 'c' AND con.conname LIKE '%\\_length'`,
    );
    const found = rows.map((row) => `${row.table_name}.${row.name}`).sort();
    const expected = Object.entries(TEXT_LENGTH_LIMITS)
      .flatMap(([table, columns]) => Object.keys(columns).map((column) => `${table}.${column}_length`))
      .sort();
    expect(found).toEqual(expected);
  });
});

describe('resource definitions', () => {
  it('a writable text column without a declared limit stops the definition from being built', () => {
    const notes = pgTable('unlimited_notes', { id: uuid().primaryKey(), user_id: uuid().notNull(), body: text() });
    const definition = {
      path: 'unlimited',
      entityType: 'note',
      name: 'Unlimited',
      table: notes,
      writable: ['body'],
      sortable: ['updated_at'],
    } as unknown as ResourceDefinition;
    expect(() => buildResourceSchemas(definition)).toThrow(
      /unlimited_notes\.body: a writable text column needs a limit/,
    );
  });
});

describe('import', () => {
  it('an interaction summary past the limit is refused naming the record; the sample file imports', async () => {
    const db = server.server.services.db;
    const importer = await registerUser(server.url);
    const file = loadSample();
    file.interactions[0].summary = 's'.repeat(LONG_TEXT_MAX_CHARS + 1);
    const error = await importFrameLordExport(db, importer.userId, file, { blobs: server.server.services.blobs }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).details).toEqual([
      { field: 'interactions[0].summary', message: `must be at most ${LONG_TEXT_MAX_CHARS} characters` },
    ]);
    await importFrameLordExport(db, importer.userId, loadSample(), { blobs: server.server.services.blobs });
  });
});
