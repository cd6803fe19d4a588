// Search benchmark (docs/benchmarks.md, "Search"): on a scratch PostgreSQL database holding
// 100,000 notes and 1,000,000 contacts across 100 users, the latency (p50/p95) of GET /search's
// service, of title autocomplete and of today's `GET /notes?search=` list query, in the same run.
// Requests run one after another from this process through a postgres.js pool (the service layer,
// no HTTP): the figures are database + service time. Also prints EXPLAIN (ANALYZE) of each shape.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type SQL, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type Db, openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { queryRows } from '../src/db/rows.ts';
import type { AuthContext } from '../src/domain/auth/auth-context.ts';
import { listResource, listSelection, planList } from '../src/domain/resources/list.ts';
import { resourceFor } from '../src/domain/resources/registry.ts';
import { noteTitles, planNoteTitles } from '../src/domain/search/note-titles.ts';
import { planSearch, searchEverything } from '../src/domain/search/search-service.ts';

export interface SearchBenchOptions {
  postgresUrl: string;
  users: number;
  notes: number;
  contacts: number;
  /** Measured requests per shape (after `warmup` unmeasured ones). */
  requests: number;
  warmup: number;
  /**
   * A database to keep: seeded on the first run, measured again on later runs without seeding
   * (seeding the full size takes tens of minutes; latencies are best measured on a quiet machine).
   */
  keepDatabase?: string | undefined;
  /** Users seeded at once (each on its own connection). */
  seedConcurrency: number;
}

export function searchBenchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SearchBenchOptions {
  const number = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    postgresUrl: env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    users: number('BENCH_SEARCH_USERS', 100),
    notes: number('BENCH_SEARCH_NOTES', 100_000),
    contacts: number('BENCH_SEARCH_CONTACTS', 1_000_000),
    requests: number('BENCH_SEARCH_REQUESTS', 300),
    warmup: number('BENCH_SEARCH_WARMUP', 30),
    keepDatabase: env.BENCH_SEARCH_DATABASE,
    seedConcurrency: number('BENCH_SEARCH_SEED_CONCURRENCY', 2),
  };
}

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ro',
  'sa',
  'tu',
  'vi',
  'be',
  'da',
  'fe',
  'gi',
  'ho',
  'ju',
  'pri',
  'ster',
  'ang',
  'hä',
  'schö',
  'élè',
];
const FIRST = [
  'Anna',
  'Ben',
  'Chloé',
  'David',
  'Elif',
  'François',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Karin',
  'Lucía',
  'Marek',
  'Nora',
  'Oskar',
  'Paula',
  'Quentin',
  'Rosa',
  'Søren',
  'Tomás',
];
const LAST = [
  'Müller',
  'Schmidt',
  'Dubois',
  'García',
  'Rossi',
  'Novák',
  'Jansen',
  'Nilsson',
  'Kowalski',
  'Öztürk',
  'Smith',
  'Brown',
  'Lefèvre',
  'Weber',
  'Costa',
  'Horvath',
  'Berg',
  'Moreau',
  'Fischer',
  'Silva',
];

/** A deterministic vocabulary of pseudo-words, some with accents, 2–4 syllables each. */
function vocabulary(size: number): string[] {
  const words = new Set<string>();
  let seed = 7;
  const next = () => {
    seed = (seed * 48_271) % 2_147_483_647;
    return seed;
  };
  while (words.size < size) {
    const length = 2 + (next() % 3);
    words.add(Array.from({ length }, () => SYLLABLES[next() % SYLLABLES.length]).join(''));
  }
  return [...words];
}

interface Latency {
  p50: number;
  p95: number;
  mean: number;
}

function summarize(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

export interface SearchBenchResult {
  options: SearchBenchOptions;
  seedSeconds: number;
  rows: Record<string, number>;
  latency: Record<string, Latency>;
  loadBefore: number[];
  loadAfter: number[];
  explain: Record<string, string>;
}

export async function runSearchBench(options: SearchBenchOptions): Promise<SearchBenchResult> {
  if (options.keepDatabase !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.keepDatabase)) {
    throw new Error('BENCH_SEARCH_DATABASE must be a plain lower-case database name');
  }
  const databaseName = options.keepDatabase ?? `fl_search_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(options.postgresUrl, { max: 1, onnotice: () => {} });
  const existing = await admin`select 1 from pg_database where datname = ${databaseName}`;
  if (existing.length === 0) await admin.unsafe(`create database ${databaseName}`);
  const url = new URL(options.postgresUrl);
  url.pathname = `/${databaseName}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fl-search-bench-'));
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir, maxConnections: 4 });
  try {
    await runMigrations(handle);
    const db = handle.db;
    const words = vocabulary(5000);
    const seedSeconds = (await seededBefore(db, options)) ?? (await seedDatabase(db, options, words));
    const users = await queryRows<{ id: string; zero: string }>(
      db,
      sql`select u.id, c.id as zero from users u join contacts c on c.user_id = u.id and c.is_contact_zero`,
    );
    const rows: Record<string, number> = {};
    for (const table of ['users', 'notes', 'note_search_chunks', 'contacts']) {
      const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)}`);
      rows[table] = Number(row?.n ?? 0);
    }

    const auths: AuthContext[] = users.map((user) => ({
      userId: user.id,
      contactZeroId: user.zero,
      sessionId: user.id,
      email: 'bench@example.com',
    }));
    let seed = 11;
    const pick = <T>(items: readonly T[]): T => {
      seed = (seed * 48_271) % 2_147_483_647;
      return items[seed % items.length] as T;
    };
    // What a person types: the start of a word (3–5 letters), sometimes after a whole first word.
    const typed = () => {
      const word = pick(words);
      const prefix = [...word].slice(0, 3 + (seed % 3)).join('');
      return seed % 3 === 0 ? `${pick(words)} ${prefix}` : prefix;
    };
    const notesResource = resourceFor('note');
    const shapes: Record<string, (auth: AuthContext) => Promise<unknown>> = {
      'search (all types)': (auth) => searchEverything(db, auth, { q: typed() }),
      'search (notes only)': (auth) => searchEverything(db, auth, { q: typed(), types: 'notes' }),
      'title autocomplete': (auth) =>
        noteTitles(db, auth, { prefix: [...pick(words)].slice(0, 2 + (seed % 4)).join('') }),
      "today's GET /notes?search=": (auth) => listResource(db, auth, notesResource, { search: pick(words) }),
    };
    const loadBefore = loadavg();
    const latency: Record<string, Latency> = {};
    for (const [name, run] of Object.entries(shapes)) {
      for (let i = 0; i < options.warmup; i += 1) await run(pick(auths));
      const samples: number[] = [];
      for (let i = 0; i < options.requests; i += 1) {
        const auth = pick(auths);
        const start = performance.now();
        await run(auth);
        samples.push(performance.now() - start);
      }
      latency[name] = summarize(samples);
    }
    const loadAfter = loadavg();

    const auth = auths[0] as AuthContext;
    const languages = { chosen: 'neutral', applied: 'neutral' } as const;
    const explainOf = async (statement: SQL) =>
      (await queryRows<Record<string, string>>(db, sql`explain (analyze, buffers) ${statement}`))
        .map((row) => Object.values(row)[0])
        .join('\n');
    const list = planList(notesResource, auth, { search: words[10] });
    const explain: Record<string, string> = {
      'search page (all types)': await explainOf(
        planSearch(auth, languages, { q: words[10]?.slice(0, 4) ?? 'kal' }).page as SQL,
      ),
      'title autocomplete': await explainOf(planNoteTitles(auth, { prefix: words[10]?.slice(0, 3) })),
      "today's ?search=": await explainOf(
        sql`${db
          .select(listSelection(notesResource))
          .from(notesResource.definition.table)
          .where(list.where)
          .orderBy(...list.orderBy)
          .limit(list.limit)}`,
      ),
    };
    return { options, seedSeconds, rows, latency, loadBefore, loadAfter, explain };
  } finally {
    await handle.close();
    if (options.keepDatabase === undefined) await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Seconds the kept database took to seed, when it was seeded (completely) with these sizes. */
async function seededBefore(db: Db, options: SearchBenchOptions): Promise<number | undefined> {
  if (options.keepDatabase === undefined) return undefined;
  const [marker] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('bench_seeded') is not null as present`,
  );
  if (!marker?.present) return undefined;
  const [row] = await queryRows<{ seconds: number; users: number; notes: number; contacts: number }>(
    db,
    sql`select seconds, users, notes, contacts from bench_seeded`,
  );
  if (!row || row.users !== options.users || row.notes !== options.notes || row.contacts !== options.contacts) {
    throw new Error(
      `${options.keepDatabase} was seeded with other sizes (${JSON.stringify(row)}); drop it or pick another name`,
    );
  }
  return Number(row.seconds);
}

async function seedDatabase(db: Db, options: SearchBenchOptions, words: readonly string[]): Promise<number> {
  const seedStart = performance.now();
  await db.execute(sql`insert into users (email, full_name)
      select 'bench' || i || '@example.com', 'Bench ' || i from generate_series(1, ${options.users}) i`);
  await db.execute(sql`insert into contacts (user_id, full_name, is_contact_zero, relationship_domain, relationship_role)
      select id, full_name, true, 'hybrid', 'self' from users`);
  // Bulk load without the search indexes, then build them once (what a restore does): keeping
  // GIN indexes current row by row makes seeding a million contacts take most of an hour.
  const SEARCH_INDEXES: Record<string, string> = {
    idx_contacts_user_search: 'contacts using gin (user_id, search_vector)',
    idx_note_search_chunks_user_vector: 'note_search_chunks using gin (user_id, search_vector)',
    idx_notes_title_search: 'notes using gin (user_id, title_search gin_trgm_ops)',
    idx_notes_search_vector: 'notes using gin (search_vector)',
  };
  for (const name of Object.keys(SEARCH_INDEXES)) await db.execute(sql.raw(`drop index ${name}`));
  // The word lists as arrays in the database (one parameter each, not one per word).
  const asArray = (items: readonly string[]) => sql`string_to_array(${items.join('\n')}, chr(10))`;
  await db.execute(sql`create table bench_lists as
      select ${asArray(words)} as words, ${asArray(FIRST)} as first_names, ${asArray(LAST)} as last_names`);
  const users = await queryRows<{ id: string; zero: string }>(
    db,
    sql`select u.id, c.id as zero from users u join contacts c on c.user_id = u.id and c.is_contact_zero`,
  );
  // Users in parallel, each on its own connection: the work is PostgreSQL's (triggers compute
  // every row's search vector), one backend per CPU.
  let nextUser = 0;
  let seededUsers = 0;
  const seedUsers = async () => {
    for (let index = nextUser++; index < users.length; index = nextUser++) {
      await seedUser(db, users[index] as { id: string; zero: string }, index, options);
      seededUsers += 1;
      process.stdout.write(`\rseeded ${seededUsers}/${users.length} users`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.seedConcurrency) }, seedUsers));
  process.stdout.write('\n');
  for (const [name, definition] of Object.entries(SEARCH_INDEXES))
    await db.execute(sql.raw(`create index ${name} on ${definition}`));
  await db.execute(sql`analyze`);
  const seconds = (performance.now() - seedStart) / 1000;
  await db.execute(sql`create table bench_seeded as select ${seconds}::float8 as seconds, ${options.users}::int as users,
      ${options.notes}::int as notes, ${options.contacts}::int as contacts`);
  return seconds;
}

async function seedUser(
  db: Db,
  user: { id: string; zero: string },
  index: number,
  options: SearchBenchOptions,
): Promise<void> {
  const perUserContacts = Math.floor(options.contacts / options.users) - 1;
  const salt = index * 131;
  // Contacts in one statement per user, so no statement holds a million rows of sort memory.
  await db.execute(sql`insert into contacts (user_id, full_name, company, email, relationship_domain, relationship_role)
        select ${user.id}::uuid, l.first_names[1 + (i * 7) % 20] || ' ' || l.last_names[1 + (i * 13) % 20] || ' ' || l.words[1 + (i * 31 + ${salt}) % 5000],
               l.words[1 + (i * 17 + ${salt}) % 5000] || ' GmbH', 'c' || i || '@example.com', 'business', 'client'
        from bench_lists l, generate_series(1, ${perUserContacts}) i`);
  const perUserNotes = Math.floor(options.notes / options.users);
  // Titles of 2–4 words, bodies of ~150 words: what a note store writes (snapshot and part 0).
  await db.execute(sql`insert into notes (user_id, author_contact_id, blocksuite_doc_id, title, blocksuite_snapshot)
          select ${user.id}, ${user.zero}, 'bench-' || gen_random_uuid(), t.title,
                 jsonb_build_object('title', t.title, 'text', t.body, 'blocks', '[]'::jsonb)
          from (select i,
                  initcap(l.words[1 + (i * 37 + u.salt) % 5000]) || ' ' || l.words[1 + (i * 41 + 3 + u.salt) % 5000]
                    || case when i % 2 = 0 then ' ' || l.words[1 + (i * 43 + 5) % 5000] else '' end as title,
                  (select string_agg(l.words[1 + ((i * 7919 + w * 104729 + u.salt) % 5000)], ' ') from generate_series(1, 150) w) as body
                from bench_lists l, (select ${salt}::int as salt) u, generate_series(1, ${perUserNotes}) i) t
`);
  // Part 0 exists from the insert (trigger); its text is what note-chunks.ts writes on a store.
  await db.execute(sql`update note_search_chunks c set content = n.blocksuite_snapshot->>'text'
        from notes n where c.note_id = n.id and c.chunk_no = 0 and n.user_id = ${user.id}`);
}

export function printSearchBench(result: SearchBenchResult): void {
  const fixed = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  console.log(`\n== Search (${new Date().toISOString()}) on PostgreSQL, sequential requests`);
  console.log(`rows: ${JSON.stringify(result.rows)}; seeded in ${result.seedSeconds.toFixed(0)} s`);
  console.log(`load average before ${fixed(result.loadBefore)}, after ${fixed(result.loadAfter)}`);
  console.table(
    Object.fromEntries(
      Object.entries(result.latency).map(([name, value]) => [
        name,
        { 'p50 ms': value.p50.toFixed(1), 'p95 ms': value.p95.toFixed(1), 'mean ms': value.mean.toFixed(1) },
      ]),
    ),
  );
  console.log('targets: autocomplete p95 ≤ 20 ms, search p95 ≤ 100 ms');
  for (const [name, plan] of Object.entries(result.explain))
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) — ${name}\n${plan}`);
}
