// Every list query the API can issue (each resource × default, each filter, each sort, search) has
// an index to run on: with sequential scans priced out, no plan may fall back to one. The default
// order must come straight from the (user_id, updated_at desc, id) index, without a sort step.
import { randomUUID } from 'node:crypto';
import { count, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/domain/auth/auth-context.ts';
import { RESOURCES } from '../../src/domain/resources/index.ts';
import { listSelection, planList } from '../../src/domain/resources/list.ts';
import type { Resource } from '../../src/domain/resources/resource.ts';
import { queryRows } from '../../src/db/rows.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

let database: TestDatabase;
const auth: AuthContext = {
  userId: randomUUID(),
  contactZeroId: randomUUID(),
  sessionId: randomUUID(),
  email: 'plans@example.com',
};

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

const SAMPLE: Record<string, string> = {
  tags: 'a,b',
  search: 'budget',
  due_after: '2030-01-01',
  due_before: '2030-01-01',
  occurred_after: '2030-01-01',
  occurred_before: '2030-01-01',
  date_key: '2026-01-01',
  slug: 'x',
  relationship_role: 'client',
};

function sampleValue(resource: Resource, name: string): string {
  if (SAMPLE[name]) return SAMPLE[name];
  const schema = resource.definition.filters?.[name]?.schema as { options?: string[] } | undefined;
  if (schema?.options?.[0]) return schema.options[0];
  return name.endsWith('_id') ? randomUUID() : 'true';
}

function queriesOf(resource: Resource): Array<[string, Record<string, string>]> {
  const queries: Array<[string, Record<string, string>]> = [
    ['default', {}],
    ['include_archived', { include_archived: 'true' }],
  ];
  for (const name of Object.keys(resource.definition.filters ?? {}))
    queries.push([`filter ${name}`, { [name]: sampleValue(resource, name) }]);
  for (const field of resource.definition.sortable)
    for (const order of ['asc', 'desc']) queries.push([`sort ${field} ${order}`, { sort: field, order }]);
  if (resource.definition.search) queries.push(['search', { search: 'budget' }]);
  return queries;
}

async function explain(resource: Resource, query: Record<string, string>): Promise<{ page: string; total: string }> {
  const plan = planList(resource, auth, query);
  const table = resource.definition.table;
  const page = database.db
    .select(listSelection(resource))
    .from(table)
    .where(plan.where)
    .orderBy(...plan.orderBy)
    .limit(plan.limit)
    .offset(plan.offset);
  const total = database.db.select({ total: count() }).from(table).where(plan.where);
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const text = async (statement: typeof page | typeof total) =>
      (await queryRows<Record<string, string>>(tx, sql`explain ${statement}`))
        .map((row) => Object.values(row)[0])
        .join('\n');
    return { page: await text(page), total: await text(total) };
  });
}

describe.each(RESOURCES.map((resource) => [resource.definition.path, resource] as const))(
  '/%s lists',
  (_path, resource) => {
    it.each(queriesOf(resource))('%s runs on an index', async (_name, query) => {
      const { page, total } = await explain(resource, query);
      if (process.env.SHOW_PLANS) console.log(JSON.stringify(query), page, total);
      const table = (resource.definition.table as unknown as { [key: symbol]: string })[Symbol.for('drizzle:Name')];
      expect(page, page).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
      expect(total, total).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
      expect(page).toMatch(/Index|Bitmap/);
    });

    it('takes the default order (both directions) from the listing index without sorting', async () => {
      for (const order of ['desc', 'asc']) {
        const { page } = await explain(resource, { order });
        const table = (resource.definition.table as unknown as { [key: symbol]: string })[Symbol.for('drizzle:Name')];
        expect(page, page).toContain(`idx_${table}_user_updated_at`);
        expect(page, page).not.toMatch(/\bSort\b/);
      }
    });
  },
);
