// Many contacts and their change-feed entries written straight to the database, for tests and
// benchmarks of pulling (writing them through push would only measure push).
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { queryRows } from '../../src/db/rows.ts';

export async function seedContactChanges(db: Db, userId: string, count: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [counter] = await queryRows<{ last_seq: string | number }>(
      tx,
      sql`select last_seq from user_change_counters where user_id = ${userId} for update`,
    );
    const first = Number(counter?.last_seq ?? 0);
    await tx.execute(sql`
      insert into contacts (user_id, full_name, email, relationship_domain, relationship_role, company, tags, sync_version)
      select ${userId}, 'Contact ' || n, 'c' || n || '@example.com', 'business', 'client', 'Company ' || (n % 100), array['seeded'], 1
      from generate_series(1, ${count}) as n`);
    await tx.execute(sql`
      insert into sync_changes (user_id, entity_type, entity_id, seq)
      select ${userId}, 'contact', id, ${first} + row_number() over (order by id)
      from contacts
      where user_id = ${userId} and not is_contact_zero
        and not exists (select 1 from sync_changes s where s.user_id = ${userId} and s.entity_type = 'contact' and s.entity_id = contacts.id)`);
    await tx.execute(sql`update user_change_counters set last_seq = ${first + count} where user_id = ${userId}`);
  });
}
