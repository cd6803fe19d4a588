// GET /search's service on a small multilingual corpus: as-you-type prefixes, accents, stemming in
// the user's language, phrases, exclusions, ranking, snippets, long notes and tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchEverything, type SearchHit } from '../../src/domain/search/search-service.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import {
  createContact,
  createInteraction,
  createNote,
  createOwner,
  createProject,
  createTask,
  type Owner,
} from './corpus.ts';

let database: TestDatabase;
let alice: Owner;
let bob: Owner;
let greta: Owner;
let francoise: Owner;
const ids: Record<string, string> = {};

const LONG_FILLER = Array.from({ length: 6000 }, (_, index) => `filler${index % 50} words`).join(' ');

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  alice = await createOwner(db, 'alice@example.com');
  bob = await createOwner(db, 'bob@example.com');
  greta = await createOwner(db, 'greta@example.com', 'german');
  francoise = await createOwner(db, 'francoise@example.com', 'french');

  ids.pricing = await createNote(db, alice, 'Pricing strategy', ['We discuss the price of our plans.']);
  ids.meeting = await createNote(db, alice, 'Meeting notes', ['The pricing discussion went well.']);
  ids.travel = await createNote(db, alice, 'Reisebericht', ['Die Häuser in München sind schön und teuer.']);
  ids.school = await createNote(db, alice, 'Compte rendu', ["Les élèves ont étudié à l'école."]);
  ids.apples = await createNote(db, alice, 'Fruit one', ['red apple green pear']);
  ids.bananas = await createNote(db, alice, 'Fruit two', ['apple red banana']);
  ids.long = await createNote(db, alice, 'Long read', [LONG_FILLER, 'the zebracorn appears only here']);
  ids.archived = await createNote(db, alice, 'Pricing archive', ['old'], { archived: true });
  ids.contact = await createContact(db, alice, { full_name: 'José Müller', company: 'Acme Pricing GmbH' });
  ids.task = await createTask(db, alice, 'Call José', 'about the invoice');
  ids.project = await createProject(db, alice, 'Website relaunch', 'new pricing page');
  ids.interaction = await createInteraction(db, alice, 'Discussed the invoice with José');

  ids.bobPricing = await createNote(db, bob, 'Pricing secret', ['bob only pricing']);
  ids.bobContact = await createContact(db, bob, { full_name: 'José Secret' });

  ids.gretaHouses = await createNote(db, greta, 'Wohnungssuche', ['Wir kaufen zwei Häuser am See.']);
  ids.francoiseSchool = await createNote(db, francoise, 'Rentrée', ["L'école ouvre lundi."]);
}, 120_000);
afterAll(async () => database?.drop());

const search = (owner: Owner, query: Record<string, string>) => searchEverything(database.db, owner, query);
const idsOf = (hits: SearchHit[]) => hits.map((hit) => hit.id);
const marked = (text: string, highlights: Array<[number, number]>) =>
  highlights.map(([start, end]) => text.slice(start, end).toLowerCase());

describe('GET /search as you type', () => {
  it('matches the word being typed as a prefix, before it is complete', async () => {
    const page = await search(alice, { q: 'Pri' });
    expect(idsOf(page.data)).toEqual(expect.arrayContaining([ids.pricing, ids.meeting, ids.contact, ids.project]));
    expect(idsOf(page.data)).not.toContain(ids.archived);
  });

  it('stops treating a word as a prefix once a space follows it', async () => {
    const typed = await search(alice, { q: 'pric', types: 'notes' });
    const finished = await search(alice, { q: 'pric ', types: 'notes' });
    expect(idsOf(typed.data)).toContain(ids.pricing);
    expect(finished.data).toEqual([]);
  });

  it('ignores case and accents, in the text and in the query', async () => {
    expect(idsOf((await search(alice, { q: 'hauser ', types: 'notes' })).data)).toEqual([ids.travel]);
    expect(idsOf((await search(alice, { q: 'MÜNCHEN', types: 'notes' })).data)).toEqual([ids.travel]);
    expect(idsOf((await search(alice, { q: 'eleves', types: 'notes' })).data)).toEqual([ids.school]);
    expect(idsOf((await search(alice, { q: 'jose muller', types: 'contacts' })).data)).toEqual([ids.contact]);
  });

  it("stems German and French words in the user's language, and not for a neutral user", async () => {
    expect(idsOf((await search(greta, { q: 'haus ' })).data)).toEqual([ids.gretaHouses]);
    expect(idsOf((await search(greta, { q: 'hauser' })).data)).toEqual([ids.gretaHouses]);
    expect(idsOf((await search(francoise, { q: 'écoles ' })).data)).toEqual([ids.francoiseSchool]);
    expect(idsOf((await search(alice, { q: 'haus ', types: 'notes' })).data)).toEqual([]);
  });

  it('matches a quoted phrase in order, and excludes -words', async () => {
    expect(idsOf((await search(alice, { q: '"red apple"' })).data)).toEqual([ids.apples]);
    expect(idsOf((await search(alice, { q: 'apple red ', types: 'notes' })).data).sort()).toEqual(
      [ids.apples, ids.bananas].sort(),
    );
    expect(idsOf((await search(alice, { q: 'apple -banana' })).data)).toEqual([ids.apples]);
    expect((await search(alice, { q: '-banana' })).data).toEqual([]);
  });

  it('ranks a title match above a body match', async () => {
    const hits = (await search(alice, { q: 'pricing ', types: 'notes' })).data;
    expect(idsOf(hits)).toEqual([ids.pricing, ids.meeting]);
    expect(hits[0]!.score).toBeGreaterThan(1);
    expect(hits[1]!.score).toBeLessThan(1);
  });

  it('marks the matched words in title and snippet', async () => {
    const hits = (await search(alice, { q: 'pricing disc', types: 'notes' })).data;
    const meeting = hits.find((hit) => hit.id === ids.meeting);
    expect(meeting?.title).toBe('Meeting notes');
    expect(meeting?.snippet).toContain('The pricing discussion went well');
    expect(marked(meeting!.snippet, meeting!.snippet_highlights)).toEqual(['pricing discussion']);
    const pricing = (await search(alice, { q: 'strat', types: 'notes' })).data[0];
    expect(pricing?.title).toBe('Pricing strategy');
    expect(marked(pricing!.title, pricing!.title_highlights)).toEqual(['strategy']);
    const contact = (await search(alice, { q: 'acme', types: 'contacts' })).data[0];
    expect(contact).toMatchObject({ entity_type: 'contact', id: ids.contact, title: 'José Müller' });
    expect(marked(contact!.snippet, contact!.snippet_highlights)).toEqual(['acme']);
  });

  it('finds words far past the start of a long note, with the snippet cut from that part', async () => {
    const hits = (await search(alice, { q: 'zebracorn' })).data;
    expect(idsOf(hits)).toEqual([ids.long]);
    expect(hits[0]!.snippet).toContain('zebracorn appears');
    expect(marked(hits[0]!.snippet, hits[0]!.snippet_highlights)).toEqual(['zebracorn']);
  });

  it('searches contacts, tasks, projects and interactions from one box, filtered by types', async () => {
    const all = await search(alice, { q: 'jose' });
    expect(all.data.map((hit) => `${hit.entity_type}:${hit.id}`).sort()).toEqual(
      [`contact:${ids.contact}`, `task:${ids.task}`, `interaction:${ids.interaction}`].sort(),
    );
    const only = await search(alice, { q: 'invoice', types: 'interactions,tasks' });
    expect(only.data.map((hit) => hit.entity_type).sort()).toEqual(['interaction', 'task']);
  });

  it("never returns another user's rows", async () => {
    const alices = await search(alice, { q: 'secret' });
    expect(alices.data).toEqual([]);
    const bobs = await search(bob, { q: 'pricing' });
    expect(idsOf(bobs.data)).toEqual([ids.bobPricing]);
    const bobJose = await search(bob, { q: 'jose' });
    expect(idsOf(bobJose.data)).toEqual([ids.bobContact]);
  });

  it('pages through the ranked list with the cursor', async () => {
    const first = await search(alice, { q: 'filler', limit: '1' });
    expect(first.data).toHaveLength(1);
    expect(first.next_cursor).toBeNull();
    const one = await search(alice, { q: 'p', limit: '2' });
    expect(one.data).toHaveLength(2);
    expect(one.next_cursor).toEqual(expect.any(String));
    const two = await search(alice, { q: 'p', limit: '2', cursor: one.next_cursor! });
    expect(two.data).toHaveLength(2);
    expect(idsOf(two.data).some((id) => idsOf(one.data).includes(id))).toBe(false);
    const all = await search(alice, { q: 'p', limit: '50' });
    expect([...idsOf(one.data), ...idsOf(two.data)]).toEqual(idsOf(all.data).slice(0, 4));
  });

  it('refuses unknown types, oversize limits and forged cursors with VALIDATION_ERROR', async () => {
    await expect(search(alice, { q: 'x', types: 'notes,users' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(search(alice, { q: 'x', limit: '51' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(search(alice, { q: 'x', cursor: 'nope' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(search(alice, { q: 'x'.repeat(501) })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('treats tsquery syntax in the input as plain text', async () => {
    for (const q of ['a & b | !c', "'quoted':*", 'x:* <-> y', '(((', '"', '-', '"-"', 'e-mail']) {
      await expect(search(alice, { q }), q).resolves.toMatchObject({ data: expect.any(Array) });
    }
  });
});
