// Importing the sample export into a fresh account gives exactly what
// docs/formats/framelord-export.md §7 and test/import/expected.ts say, every reference resolves
// inside the account, the documents hold the original text (read back through a real provider
// too), and a second run writes nothing at all.
import { and, eq, inArray, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { queryRows } from '../../src/db/rows.ts';
import {
  contacts,
  folders,
  groupMemberships,
  groups,
  interactionAttachments,
  interactions,
  noteLinks,
  notes,
  noteTargetContacts,
  noteTopics,
  pipelineItems,
  pipelineStageTemplates,
  projectAttachments,
  projects,
  projectSections,
  projectTaskLinks,
  tasks,
  topics,
} from '../../src/db/schema/index.ts';
import { readBlockSuiteDocument } from '../../src/domain/blocksuite/read-document.ts';
import { contentLines } from '../../src/domain/import/html-content.ts';
import { importFrameLordExport } from '../../src/domain/import/import-service.ts';
import type { ImportSummary } from '../../src/domain/import/summary.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { connectProvider, waitSynced } from '../helpers/collab.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  EXPECTED_ADDED,
  EXPECTED_BACKLINKS,
  EXPECTED_NOTES,
  EXPECTED_TOPIC_SLUGS,
  EXPECTED_TOTALS,
} from './expected.ts';
import { countUserRows, dumpDatabase, importedId, importedIds, loadSample } from './support.ts';

let server: TestServer;
let db: Db;
let user: RegisteredUser;
let summary: ImportSummary;
let contactZeroBefore: unknown;
const sample = loadSample();

const paragraphs = (state: Uint8Array) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const content = readBlockSuiteDocument(doc);
  return {
    title: content.title,
    flavours: content.blocks.map((block) => block.flavour),
    lines: content.blocks.filter((block) => block.flavour === 'affine:paragraph').map((block) => block.text),
  };
};

beforeAll(async () => {
  server = await startTestServer();
  db = server.server.services.db;
  user = await registerUser(server.url, { full_name: 'Account Owner' });
  [contactZeroBefore] = await queryRows(
    db,
    sql`select xmin::text as xmin, * from contacts where id = ${user.contactZeroId}`,
  );
  summary = await importFrameLordExport(db, user.userId, sample, { blobs: server.server.services.blobs });
});
afterAll(async () => server?.destroy());

describe('importing sample-export.json into a fresh account', () => {
  it('adds exactly the rows of docs/formats/framelord-export.md §7, and says so in its summary', async () => {
    expect(await countUserRows(db, user.userId)).toEqual(EXPECTED_TOTALS);
    const added = Object.fromEntries(summary.tables.map((row) => [row.table, row.added]));
    expect(added).toEqual(EXPECTED_ADDED);
    expect(summary.tables.every((row) => row.updated === 0 && row.kept === 0 && row.removed === 0)).toBe(true);
    expect(summary.dry_run).toBe(false);
    expect(summary.records).toMatchObject({ framelord_contacts: 13, framelord_notes: 29, topics: 28, folders: 8 });
    // The one deliberate broken reference (docs/formats/framelord-export.md §5) is the one warning.
    expect(summary.warnings).toEqual([
      expect.stringMatching(/framelord_notes\[1\] "note-1765136402504".*"contact-zero".*dropped/),
    ]);
  });

  it("matches the file's Contact Zero to the account's own without writing it", async () => {
    const [after] = await queryRows(
      db,
      sql`select xmin::text as xmin, * from contacts where id = ${user.contactZeroId}`,
    );
    expect(after).toEqual(contactZeroBefore);
    expect(after).toMatchObject({ full_name: 'Account Owner', email: user.email, is_contact_zero: true });
    const zeros = await db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.user_id, user.userId), eq(contacts.is_contact_zero, true)));
    expect(zeros).toHaveLength(1);
  });

  it('imports contacts with their statuses, Zoë archived', async () => {
    const rows = await db
      .select()
      .from(contacts)
      .where(and(eq(contacts.user_id, user.userId), eq(contacts.is_contact_zero, false)));
    const byStatus = (status: string) => rows.filter((row) => row.status === status).length;
    expect([
      byStatus('active'),
      byStatus('dormant'),
      byStatus('blocked'),
      byStatus('testing'),
      byStatus('archived'),
    ]).toEqual([7, 2, 1, 1, 1]);
    expect(rows.filter((row) => row.is_archived).map((row) => row.full_name)).toEqual(['Zoë Müller']);
    const amara = rows.find((row) => row.full_name === 'Amara Nwosu');
    expect(amara).toMatchObject({
      email: 'amara@studio-nwosu.com',
      relationship_role: 'contractor',
      frame_score: 70,
      frame_trend: 'flat',
      tags: ['designer', 'freelance'],
      company: 'Studio Nwosu',
    });
    expect(amara?.avatar_url).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(amara?.last_contact_at?.toISOString()).toBe('2025-10-20T09:00:00.000Z');
  });

  it('matches the PARA defaults, skips the inbox and nests the custom folders', async () => {
    const rows = await db.select().from(folders).where(eq(folders.user_id, user.userId));
    const byName = new Map(rows.map((row) => [row.name, row]));
    expect([...byName.keys()].sort()).toEqual([
      'Acme Logistics',
      'Archive',
      'Areas',
      'Book Notes',
      'Clients',
      'Projects',
      'Resources',
    ]);
    expect(rows.filter((row) => row.is_default)).toHaveLength(4);
    expect(byName.get('Clients')?.parent_id).toBe(byName.get('Areas')?.id);
    expect(byName.get('Acme Logistics')?.parent_id).toBe(byName.get('Clients')?.id);
    expect(byName.get('Book Notes')).toMatchObject({
      parent_id: byName.get('Resources')?.id,
      icon: 'book',
      is_default: false,
    });
    expect(byName.get('Clients')).toMatchObject({ color: '#3b82f6', sort_order: 1 });
  });

  it('imports the notes with the flags, kinds and folders of docs/formats/framelord-export.md §7', async () => {
    const rows = await db.select().from(notes).where(eq(notes.user_id, user.userId));
    const count = (predicate: (row: (typeof rows)[number]) => boolean) => rows.filter(predicate).length;
    expect(count((row) => row.is_archived)).toBe(3);
    expect(count((row) => row.is_inbox)).toBe(3);
    expect(count((row) => row.kind === 'log')).toBe(4);
    expect(count((row) => row.kind === 'note')).toBe(25);
    expect(count((row) => row.date_key !== null)).toBe(5);
    expect(count((row) => row.is_pinned)).toBe(2);
    expect(count((row) => row.is_pinned_home)).toBe(1);
    expect(count((row) => row.preferred_view === 'canvas')).toBe(1);
    expect(count((row) => row.folder_id === null)).toBe(16);
    expect(count((row) => row.blocksuite_doc !== null)).toBe(29);
    expect(
      rows
        .map((row) => row.blocksuite_doc_id)
        .filter((id) => id.startsWith('doc_'))
        .sort(),
    ).toEqual(['doc_note-1764684048130', 'doc_note-1764749736472']);
    expect(count((row) => row.author_contact_id === user.contactZeroId)).toBe(29);

    const ids = await importedIds(db, user.userId, 'notes');
    const byId = new Map(rows.map((row) => [row.id, row]));
    const legacy = byId.get(ids.get('note-1763148125118') as string);
    expect(legacy).toMatchObject({
      title: null,
      kind: 'note',
      preferred_view: 'doc',
      is_pinned: false,
      tags: ['family'],
    });
    const trashed = byId.get(ids.get('note-1765015092404') as string);
    expect(trashed?.is_archived).toBe(true);
    const untitled = [ids.get('note-1765061295188'), ids.get('note-1764918129415')].map(
      (id) => byId.get(id as string)?.title,
    );
    expect(untitled).toEqual([null, null]);
    // Timestamps come from the file (docs/formats/framelord-export.md §3.2), not from the moment of the import.
    const canvas = byId.get(ids.get('note-1764684048130') as string);
    expect(canvas).toMatchObject({ icon: '🗺️', preferred_view: 'canvas', sync_version: 1 });
    expect(canvas?.created_at.toISOString()).toBe('2025-12-02T14:00:48.130Z');
    expect(canvas?.updated_at.toISOString()).toBe('2025-12-02T14:25:01.774Z');
  });

  it('gives every note the links, topics, targets and folder of test/import/expected.ts', async () => {
    const noteIds = await importedIds(db, user.userId, 'notes');
    const sourceOf = new Map([...noteIds].map(([source, id]) => [id, source]));
    const folderRows = await db
      .select({ id: folders.id, name: folders.name })
      .from(folders)
      .where(eq(folders.user_id, user.userId));
    const folderName = new Map(folderRows.map((row) => [row.id, row.name]));
    const contactRows = await db
      .select({ id: contacts.id, name: contacts.full_name })
      .from(contacts)
      .where(eq(contacts.user_id, user.userId));
    const contactName = new Map(
      contactRows.map((row) => [row.id, row.id === user.contactZeroId ? 'CONTACT_ZERO' : row.name]),
    );
    const all = [...noteIds.values()];
    const links = await db.select().from(noteLinks).where(inArray(noteLinks.source_note_id, all));
    const noteTopicRows = await db
      .select({ note: noteTopics.note_id, slug: topics.slug })
      .from(noteTopics)
      .innerJoin(topics, eq(topics.id, noteTopics.topic_id))
      .where(inArray(noteTopics.note_id, all));
    const targets = await db.select().from(noteTargetContacts).where(inArray(noteTargetContacts.note_id, all));
    const rows = await db
      .select({ id: notes.id, folder_id: notes.folder_id, is_archived: notes.is_archived })
      .from(notes)
      .where(eq(notes.user_id, user.userId));

    const actual = EXPECTED_NOTES.map((expected) => {
      const id = noteIds.get(expected.id) as string;
      const row = rows.find((candidate) => candidate.id === id);
      return {
        id: expected.id,
        archived: row?.is_archived,
        folder: row?.folder_id ? folderName.get(row.folder_id) : null,
        links: links
          .filter((link) => link.source_note_id === id)
          .map((link) => sourceOf.get(link.target_note_id))
          .sort(),
        topics: noteTopicRows
          .filter((pair) => pair.note === id)
          .map((pair) => pair.slug)
          .sort(),
        targets: targets
          .filter((target) => target.note_id === id)
          .map((target) => contactName.get(target.contact_id))
          .sort(),
      };
    });
    const wanted = EXPECTED_NOTES.map((expected) => ({
      ...expected,
      links: [...expected.links].sort(),
      topics: [...expected.topics].sort(),
      targets: [...expected.targets].sort(),
    }));
    expect(actual).toEqual(wanted);
  });

  it('has the 25 topics of docs/formats/framelord-export.md §7 and the backlink counts of its table', async () => {
    const rows = await db
      .select({ slug: topics.slug, label: topics.label })
      .from(topics)
      .where(eq(topics.user_id, user.userId));
    expect(rows.map((row) => row.slug).sort()).toEqual(EXPECTED_TOPIC_SLUGS);
    // Labels are the first met, topics store first (docs/formats/framelord-export.md §4.3): cut at | and #.
    expect(rows.find((row) => row.slug === 'weekly-review')?.label).toBe('Weekly Review');
    expect(rows.find((row) => row.slug === 'sales')?.label).toBe('Sales');

    const noteIds = await importedIds(db, user.userId, 'notes');
    const incoming = await queryRows<{ target: string; n: string | number }>(
      db,
      sql`select l.target_note_id as target, count(*) as n from note_links l join notes s on s.id = l.source_note_id where s.user_id = ${user.userId} group by l.target_note_id`,
    );
    const sourceOf = new Map([...noteIds].map(([source, id]) => [id, source]));
    expect(Object.fromEntries(incoming.map((row) => [sourceOf.get(row.target), Number(row.n)]))).toEqual(
      EXPECTED_BACKLINKS,
    );
  });

  it('imports tasks, interactions and their attachment', async () => {
    const taskRows = await db.select().from(tasks).where(eq(tasks.user_id, user.userId));
    expect(['open', 'done', 'blocked'].map((status) => taskRows.filter((row) => row.status === status).length)).toEqual(
      [12, 4, 1],
    );
    expect(taskRows.filter((row) => row.due_at === null)).toHaveLength(4);
    const boardDeck = await db
      .select()
      .from(tasks)
      .where(eq(tasks.id, await importedId(db, user.userId, 'tasks', 'task-1764608700917')));
    expect(boardDeck[0]?.due_at?.toISOString()).toBe('2025-12-12T00:00:00.000Z');
    expect(taskRows.every((row) => row.created_by === user.contactZeroId && row.description === null)).toBe(true);
    expect(taskRows.every((row) => row.updated_at.getTime() === row.created_at.getTime())).toBe(true);

    const interactionRows = await db.select().from(interactions).where(eq(interactions.user_id, user.userId));
    const types = interactionRows.map((row) => row.type).sort();
    expect(types).toEqual(['call', 'call', 'dm', 'email', 'email', 'meeting', 'message', 'other']);
    expect(
      interactionRows.every(
        (row) => row.created_at.getTime() === row.occurred_at.getTime() && row.author_contact_id === user.contactZeroId,
      ),
    ).toBe(true);
    const withFile = await importedId(db, user.userId, 'interactions', 'interaction-1764952282648');
    const files = await db
      .select()
      .from(interactionAttachments)
      .where(eq(interactionAttachments.interaction_id, withFile));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ mime_type: 'image/png' });
    expect(files[0]?.data_url).toMatch(/^data:image\/png;base64,/);
  });

  it('imports groups, the project and the pipeline as docs/formats/framelord-export.md §7 lists them', async () => {
    const groupRows = await db
      .select({ name: groups.name, contact: groupMemberships.contact_id })
      .from(groupMemberships)
      .innerJoin(groups, eq(groups.id, groupMemberships.group_id))
      .where(eq(groups.user_id, user.userId));
    const members = (name: string) => groupRows.filter((row) => row.name === name).map((row) => row.contact);
    expect(members('Inner Circle')).toHaveLength(4);
    expect(members('Inner Circle')).toContain(user.contactZeroId);
    expect(members('Acme Stakeholders')).toHaveLength(3);

    const [project] = await db.select().from(projects).where(eq(projects.user_id, user.userId));
    expect(project).toMatchObject({
      name: 'Acme Logistics Rollout',
      status: 'active',
      priority: 'high',
      start_date: '2025-12-01',
      due_date: '2026-02-27',
      is_archived: false,
    });
    const sections = await db
      .select()
      .from(projectSections)
      .where(eq(projectSections.project_id, project?.id as string));
    expect(sections.map((row) => [row.name, row.sort_order]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ['Backlog', 0],
      ['In Progress', 1],
      ['Done', 2],
    ]);
    const links = await db
      .select()
      .from(projectTaskLinks)
      .where(eq(projectTaskLinks.project_id, project?.id as string));
    const perSection = sections.map((section) => links.filter((link) => link.section_id === section.id).length);
    expect(Object.fromEntries(sections.map((section, index) => [section.name, perSection[index]]))).toEqual({
      Backlog: 1,
      'In Progress': 2,
      Done: 1,
    });
    const [file] = await db
      .select()
      .from(projectAttachments)
      .where(eq(projectAttachments.project_id, project?.id as string));
    expect(file).toMatchObject({
      mime_type: 'text/plain',
      uploaded_by: user.contactZeroId,
      file_name: 'kickoff-agenda.txt',
    });

    const templateId = await importedId(db, user.userId, 'pipeline_templates', 'pipeline-1762442530448');
    const stageRows = await db
      .select()
      .from(pipelineStageTemplates)
      .where(eq(pipelineStageTemplates.template_id, templateId));
    expect(stageRows).toHaveLength(5);
    expect(
      stageRows
        .filter((row) => row.auto_task_title !== null)
        .map((row) => [row.name, row.auto_task_title, row.auto_task_due_in_days]),
    ).toEqual([['Discovery Call', 'Send discovery recap', 2]]);
    const items = await db.select().from(pipelineItems).where(eq(pipelineItems.user_id, user.userId));
    expect(items.filter((row) => row.status === 'open')).toHaveLength(2);
    const won = items.filter((row) => row.status === 'won');
    expect(won).toHaveLength(1);
    expect(won[0]?.closed_at?.toISOString()).toBe('2025-12-05T16:40:07.213Z');
    expect(won[0]?.value).toBe(25000);
    const wonStage = stageRows.find((row) => row.id === won[0]?.current_stage_id);
    expect(wonStage?.name).toBe('Won');
  });

  it('resolves every reference to a row of the same account', async () => {
    const [violations] = await queryRows<Record<string, string | number>>(
      db,
      sql`select
        (select count(*) from notes n left join folders f on f.id = n.folder_id where n.user_id = ${user.userId} and n.folder_id is not null and f.user_id is distinct from n.user_id) as note_folder,
        (select count(*) from notes n join contacts c on c.id = n.author_contact_id where n.user_id = ${user.userId} and c.user_id <> n.user_id) as note_author,
        (select count(*) from note_target_contacts j join notes n on n.id = j.note_id join contacts c on c.id = j.contact_id where n.user_id = ${user.userId} and c.user_id <> n.user_id) as note_targets,
        (select count(*) from note_links j join notes s on s.id = j.source_note_id join notes t on t.id = j.target_note_id where s.user_id = ${user.userId} and (t.user_id <> s.user_id or t.is_archived)) as note_links,
        (select count(*) from note_topics j join notes n on n.id = j.note_id join topics t on t.id = j.topic_id where n.user_id = ${user.userId} and t.user_id <> n.user_id) as note_topics,
        (select count(*) from folders f join folders p on p.id = f.parent_id where f.user_id = ${user.userId} and p.user_id <> f.user_id) as folder_parent,
        (select count(*) from tasks t join contacts c on c.id = t.contact_id join contacts z on z.id = t.created_by where t.user_id = ${user.userId} and (c.user_id <> t.user_id or z.user_id <> t.user_id)) as task_contacts,
        (select count(*) from interactions i join contacts c on c.id = i.contact_id join contacts a on a.id = i.author_contact_id where i.user_id = ${user.userId} and (c.user_id <> i.user_id or a.user_id <> i.user_id)) as interaction_contacts,
        (select count(*) from group_memberships m join groups g on g.id = m.group_id join contacts c on c.id = m.contact_id where g.user_id = ${user.userId} and c.user_id <> g.user_id) as memberships,
        (select count(*) from projects p join contacts c on c.id = p.primary_contact_id where p.user_id = ${user.userId} and c.user_id <> p.user_id) as project_primary,
        (select count(*) from project_related_contacts r join projects p on p.id = r.project_id join contacts c on c.id = r.contact_id where p.user_id = ${user.userId} and c.user_id <> p.user_id) as project_related,
        (select count(*) from project_attachments a join projects p on p.id = a.project_id join contacts c on c.id = a.uploaded_by where p.user_id = ${user.userId} and c.user_id <> p.user_id) as project_files,
        (select count(*) from project_task_links l join project_sections s on s.id = l.section_id join tasks t on t.id = l.task_id join projects p on p.id = l.project_id where p.user_id = ${user.userId} and (s.project_id <> l.project_id or t.user_id <> p.user_id)) as task_links,
        (select count(*) from pipeline_items i join pipeline_stage_templates s on s.id = i.current_stage_id join contacts c on c.id = i.contact_id where i.user_id = ${user.userId} and (s.template_id <> i.template_id or c.user_id <> i.user_id)) as pipeline_items`,
    );
    expect(Object.values(violations ?? {}).map(Number)).toEqual(new Array(14).fill(0));
  });

  it("stores each note's legacy content as a BlockSuite document: page → note → one paragraph per line", async () => {
    const noteIds = await importedIds(db, user.userId, 'notes');
    for (const record of sample.framelord_notes) {
      const [row] = await db
        .select({ doc: notes.blocksuite_doc, title: notes.title })
        .from(notes)
        .where(eq(notes.id, noteIds.get(record.id) as string));
      const document = paragraphs(row?.doc as Uint8Array);
      expect(document.flavours.slice(0, 3), record.id).toEqual(['affine:page', 'affine:surface', 'affine:note']);
      expect(document.title, record.id).toBe(record.title ?? '');
      const lines = contentLines(record.content ?? '');
      expect(document.lines, record.id).toEqual(lines.length > 0 ? lines : ['']);
    }
    // docs/formats/framelord-export.md §4.1: Q1 Planning has 8 lines, one of them empty; §4.2: the HTML note's 4 lines.
    const q1 = await db
      .select({ doc: notes.blocksuite_doc })
      .from(notes)
      .where(eq(notes.id, noteIds.get('note-1763719357114') as string));
    expect(paragraphs(q1[0]?.doc as Uint8Array).lines).toHaveLength(8);
    const html = await db
      .select({ doc: notes.blocksuite_doc })
      .from(notes)
      .where(eq(notes.id, noteIds.get('note-1765134750588') as string));
    expect(paragraphs(html[0]?.doc as Uint8Array).lines).toEqual([
      'Draft for @David Kim:',
      'Revenue up 18% MoM. R&D spend flat. See [[Q1 Planning]].',
      'Runway: 14 months',
      'Ask: intros to [[Logistics CTOs]]',
    ]);
  });

  it('serves the imported documents to a real @hocuspocus/provider with the original text', async () => {
    const noteIds = await importedIds(db, user.userId, 'notes');
    for (const source of ['note-1763719357114', 'note-1765134750588', 'note-1764749736472', 'note-1765176927904']) {
      const [row] = await db
        .select({ docId: notes.blocksuite_doc_id, title: notes.title })
        .from(notes)
        .where(eq(notes.id, noteIds.get(source) as string));
      const client = connectProvider(server.collabUrl, row?.docId as string, user.accessToken);
      try {
        await waitSynced(client);
        const content = readBlockSuiteDocument(client.doc);
        const record = sample.framelord_notes.find((note: { id: string }) => note.id === source);
        expect(content.title).toBe(record.title);
        expect(
          content.blocks.filter((block) => block.flavour === 'affine:paragraph').map((block) => block.text),
        ).toEqual(contentLines(record.content));
      } finally {
        client.destroy();
      }
    }
  });

  it('changes nothing when run again: no row written, no version moved, no document update logged', async () => {
    const before = await dumpDatabase(db);
    const again = await importFrameLordExport(db, user.userId, loadSample(), { blobs: server.server.services.blobs });
    expect(await dumpDatabase(db)).toEqual(before);
    expect(again.tables.filter((row) => row.added + row.updated + row.removed + row.kept > 0)).toEqual([]);
    const unchanged = Object.fromEntries(
      again.tables.filter((row) => row.unchanged > 0).map((row) => [row.table, row.unchanged]),
    );
    expect(unchanged).toMatchObject({
      contacts: 12,
      folders: 3,
      notes: 29,
      tasks: 17,
      topics: 25,
      pipeline_stage_templates: 5,
    });
    const [logged] = await queryRows<{ n: string | number }>(db, sql`select count(*) as n from note_updates`);
    expect(Number(logged?.n)).toBe(0);
  });
});
