// Title autocomplete for the [[link]] picker: prefix, word-start and in-word matches, best first,
// accents and case ignored, archived and other users' notes left out, on the trigram index.
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { noteTitles, planNoteTitles } from '../../src/domain/search/note-titles.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createNote, createOwner, type Owner, seedBulk } from './corpus.ts';

let database: TestDatabase;
let owner: Owner;
let other: Owner;
const ids: Record<string, string> = {};

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  owner = await createOwner(db, 'titles@example.com');
  other = await createOwner(db, 'titles-other@example.com');
  ids.pricing = await createNote(db, owner, 'Pricing', []);
  ids.pricingPlans = await createNote(db, owner, 'Pricing plans for 2027', []);
  ids.q3 = await createNote(db, owner, 'Q3 pricing', []);
  ids.surprise = await createNote(db, owner, 'Surprise party', []);
  ids.cafe = await createNote(db, owner, 'Café Zürich', []);
  ids.percent = await createNote(db, owner, '100% done', []);
  ids.archived = await createNote(db, owner, 'Pricing (old)', [], { archived: true });
  ids.others = await createNote(db, other, 'Pricing of the other user', []);
  // Other users' titles fill the index, so plans are chosen on a table of realistic shape.
  for (const n of [1, 2, 3, 4]) await seedBulk(db, await createOwner(db, `titles-bulk${n}@example.com`), 1000, n === 4);
}, 180_000);
afterAll(async () => database?.drop());

const titles = async (query: Record<string, string>) =>
  (await noteTitles(database.db, owner, query)).map((row) => row.id);

describe('GET /notes/titles', () => {
  it('answers titles starting with the text, then word starts, then in-word matches', async () => {
    expect(await titles({ prefix: 'pri' })).toEqual([ids.pricing, ids.pricingPlans, ids.q3, ids.surprise]);
    expect(await titles({ prefix: 'Pr' })).toEqual([ids.pricing, ids.pricingPlans, ids.q3]);
    expect(await titles({ prefix: 'p' })).toEqual([ids.pricing, ids.pricingPlans, ids.q3, ids.surprise]);
  });

  it('ignores case and accents, and takes %, _ and \\ literally', async () => {
    expect(await titles({ prefix: 'CAFE Z' })).toEqual([ids.cafe]);
    expect(await titles({ prefix: 'zur' })).toEqual([ids.cafe]);
    expect(await titles({ prefix: '100%' })).toEqual([ids.percent]);
    expect(await titles({ prefix: '%' })).toEqual([]);
    expect(await titles({ prefix: '_' })).toEqual([]);
  });

  it("leaves out archived notes and other users' notes, and honours limit", async () => {
    const found = await titles({ prefix: 'pricing' });
    expect(found).not.toContain(ids.archived);
    expect(found).not.toContain(ids.others);
    expect(await titles({ prefix: 'pri', limit: '2' })).toEqual([ids.pricing, ids.pricingPlans]);
  });

  it('answers the notes changed last when nothing is typed yet', async () => {
    const found = await titles({});
    expect(found).toHaveLength(6);
    expect(found).toContain(ids.percent);
  });

  it('refuses an oversize limit or prefix with VALIDATION_ERROR', async () => {
    await expect(titles({ prefix: 'a', limit: '51' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(titles({ prefix: 'a'.repeat(201) })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it.each([['p'], ['pr'], ['pri'], ['pricing pl'], ['']])(
    '%j runs on an index, never a sequential scan',
    async (prefix) => {
      const statement: SQL = planNoteTitles(owner, prefix === '' ? {} : { prefix });
      const plan = await database.db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        return (await queryRows<Record<string, string>>(tx, sql`explain ${statement}`))
          .map((row) => Object.values(row)[0])
          .join('\n');
      });
      expect(plan, plan).not.toMatch(/Seq Scan on notes\b/);
      expect(plan, plan).toMatch(/idx_notes_title_search|idx_notes_user/);
    },
  );
});
