// The floor for the REST benchmark: node:http + postgres.js running exactly the SQL the API runs
// for `GET /contacts?per_page=50` and `POST /contacts`, with nothing else (no framework, no JWT, no
// validation, no ORM). The SQL is not written by hand: it is captured from the domain functions
// themselves through Drizzle's query logger at start, then replayed with fresh values.
//
// Environment: DATABASE_URL, PORT, BENCH_USER_ID, BENCH_SESSION_ID, BENCH_CONTACT_ZERO_ID, BENCH_EMAIL.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '../src/db/schema/index.ts';
import type { Db } from '../src/db/client.ts';
import { isSessionActive } from '../src/domain/auth/sessions.ts';
import type { AuthContext } from '../src/domain/auth/auth-context.ts';
import { listResource } from '../src/domain/resources/list.ts';
import { createResourceEntity } from '../src/domain/resources/operations.ts';
import { resourceFor } from '../src/domain/resources/registry.ts';
import { BENCH_CONTACT_BODY, BENCH_LIST_QUERY } from './rest-workload.ts';

interface Statement {
  text: string;
  params: unknown[];
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const auth: AuthContext = {
  userId: env('BENCH_USER_ID'),
  sessionId: env('BENCH_SESSION_ID'),
  contactZeroId: env('BENCH_CONTACT_ZERO_ID'),
  email: env('BENCH_EMAIL'),
};
const client = postgres(env('DATABASE_URL'), { max: 10, onnotice: () => {}, connect_timeout: 10 });

/** Runs `work` against a Drizzle database that records every statement it sends. */
async function capture(work: (db: Db) => Promise<unknown>): Promise<Statement[]> {
  const statements: Statement[] = [];
  const db = drizzle(client, {
    schema,
    logger: { logQuery: (text, params) => statements.push({ text, params }) },
  }) as unknown as Db;
  await work(db);
  return statements;
}

const contacts = resourceFor('contact');
const [session] = await capture((db) => isSessionActive(db, auth.sessionId, auth.userId));
const [page, total] = await capture((db) => listResource(db, auth, contacts, BENCH_LIST_QUERY));
const sampleId = randomUUID();
const sampleTime = new Date('2001-02-03T04:05:06.789Z');
// The insert, then whatever recordChanges sends (one statement, or two when it numbers in JS).
const writes = await capture((db) =>
  createResourceEntity(db, auth, contacts, { ...BENCH_CONTACT_BODY, id: sampleId }, { updatedAt: sampleTime }),
);
const insert = writes[0];
if (!session || !page || !total || !insert || writes.length < 2) throw new Error('could not capture the statements');

const replace = (params: unknown[], id: string, time: string) =>
  params.map((param) => (param === sampleId ? id : param === sampleTime.toISOString() ? time : param));

async function sessionIsActive(): Promise<boolean> {
  return (await client.unsafe(session!.text, session!.params as never[])).length === 1;
}

async function list(): Promise<string> {
  const [rows, [count]] = await Promise.all([
    client.unsafe(page!.text, page!.params as never[]),
    client.unsafe(total!.text, total!.params as never[]),
  ]);
  const totalRows = Number((count as unknown as { total: number | string }).total);
  const totalPages = Math.ceil(totalRows / 50);
  const link = (n: number) => `/api/v1/contacts?per_page=50&page=${n}`;
  return JSON.stringify({
    data: rows,
    meta: { page: 1, per_page: 50, total: totalRows, total_pages: totalPages },
    links: { first: link(1), prev: null, next: totalPages > 1 ? link(2) : null, last: link(Math.max(totalPages, 1)) },
  });
}

async function create(): Promise<string> {
  const id = randomUUID();
  const time = new Date().toISOString();
  const row = await client.begin(async (tx) => {
    let created: unknown;
    let lastSeq: number | undefined;
    for (const [index, statement] of writes.entries()) {
      const params = replace(statement.params, id, time);
      if (lastSeq !== undefined && statement.text.startsWith('insert into sync_changes'))
        params[params.length - 1] = lastSeq;
      const [result] = await tx.unsafe(statement.text, params as never[]);
      if (index === 0) created = result;
      const seq = (result as { last_seq?: number | string } | undefined)?.last_seq;
      if (seq !== undefined) lastSeq = Number(seq);
    }
    return created;
  });
  return JSON.stringify({ data: row });
}

const server = createServer((request, response) => {
  const reply = (status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
  };
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    void (async () => {
      try {
        if (!(await sessionIsActive())) return reply(401, '{"error":{"code":"UNAUTHORIZED"}}');
        if (request.method === 'GET' && request.url?.startsWith('/api/v1/contacts')) return reply(200, await list());
        if (request.method === 'POST' && request.url === '/api/v1/contacts') {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          return reply(201, await create());
        }
        reply(404, '{"error":{"code":"NOT_FOUND"}}');
      } catch (error) {
        reply(500, JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: String(error) } }));
      }
    })();
  });
});

server.listen(Number(env('PORT')), '127.0.0.1', () => {
  process.stdout.write(
    `bare listening ${JSON.stringify({ session: session.text, list: page.text, count: total.text, writes: writes.map((statement) => statement.text) })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.close();
  void client.end({ timeout: 2 }).then(() => process.exit(0));
});
