// A file the import refuses names the record at fault and leaves the database exactly as it was;
// a dry run reports and writes nothing; dangling references are dropped, not fatal.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import * as Y from 'yjs';
import { folders, importIdMap, notes, tasks } from '../../src/db/schema/index.ts';
import { readBlockSuiteDocument } from '../../src/domain/blocksuite/read-document.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { importFrameLordExport } from '../../src/domain/import/import-service.ts';
import { registerUser, type RegisteredUser } from '../helpers/auth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { EXPECTED_ADDED } from './expected.ts';
import { countUserRows, dumpDatabase, loadSample } from './support.ts';

let server: TestServer;
let db: Db;
let user: RegisteredUser;
let other: RegisteredUser;
let fresh: RegisteredUser;

beforeAll(async () => {
  server = await startTestServer();
  db = server.server.services.db;
  // All accounts up front: no HTTP request has to follow a long database-bound pause.
  user = await registerUser(server.url);
  other = await registerUser(server.url);
  fresh = await registerUser(server.url);
});
afterAll(async () => server?.destroy());

async function refusal(file: unknown): Promise<DomainError> {
  const before = await dumpDatabase(db);
  const error = await importFrameLordExport(db, user.userId, file, { blobs: server.server.services.blobs }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect(await dumpDatabase(db)).toEqual(before);
  return error as DomainError;
}

describe('refused files', () => {
  it('a record of the wrong type, named by store, index and field', async () => {
    const file = loadSample();
    file.framelord_tasks[3].status = 'later';
    const error = await refusal(file);
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toMatch(/^Invalid export: framelord_tasks\[3\]\.status: /);
    expect(error.details).toEqual([{ field: 'framelord_tasks[3].status', message: expect.any(String) }]);
  });

  it('every bad record at once, and a store that is not an array', async () => {
    const file = loadSample();
    file.framelord_notes[2].isPinned = 'yes';
    file.framelord_contacts[4].frame.currentScore = 'high';
    file.groups = { not: 'an array' };
    const error = await refusal(file);
    expect((error.details as Array<{ field: string }>).map((detail) => detail.field).sort()).toEqual([
      'framelord_contacts[4].frame.currentScore',
      'framelord_notes[2].isPinned',
      'groups',
    ]);
  });

  it('a second Contact Zero', async () => {
    const file = loadSample();
    file.framelord_contacts.push({ ...file.framelord_contacts[0], fullName: 'You' });
    const error = await refusal(file);
    expect(error.message).toContain('framelord_contacts[13].id');
    expect(error.message).toContain('second Contact Zero');
  });

  it('a broken reference that cannot be dropped: a pipeline item in a stage its template lacks', async () => {
    const file = loadSample();
    file.pipelineItems[1].currentStageId = 'stage_nowhere';
    const error = await refusal(file);
    expect(error.message).toBe(
      'Invalid export: pipelineItems[1] "item-1762941764101".currentStageId: names no stage of template "pipeline-1762442530448" ("stage_nowhere")',
    );
  });

  it('a section of a project the file does not have', async () => {
    const file = loadSample();
    file.projectSections[2].projectId = 'project-gone';
    const error = await refusal(file);
    expect(error.message).toContain('projectSections[2] "section-1764584924313-xwgiorj7r".projectId');
  });

  it('a malformed attachment data URL', async () => {
    const file = loadSample();
    file.interactions.find(
      (interaction: { attachments?: unknown[] }) => interaction.attachments?.length,
    ).attachments[0].dataUrl = 'data:image/png;base64,@@@';
    const error = await refusal(file);
    expect(error.message).toMatch(
      /^Invalid export: interactions\[\d\] "interaction-1764952282648"\.attachments\[0\]\.dataUrl: /,
    );
  });

  it('a value the REST API refuses, named by the record and the column (imports write through the resource layer)', async () => {
    const file = loadSample();
    const index = file.framelord_contacts.findIndex((contact: { id: string }) => contact.id !== 'contact_zero');
    const contact = file.framelord_contacts[index];
    contact.linkedinUrl = 'javascript:alert(1)';
    const error = await refusal(file);
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details).toEqual([
      { field: `framelord_contacts[${index}] "${contact.id}".linkedin_url`, message: 'must be an http(s) URL' },
    ]);
  });

  it('a body that is not an export at all', async () => {
    const error = await refusal([1, 2, 3]);
    expect(error.code).toBe('VALIDATION_ERROR');
  });

  it('leaves nothing behind when the database refuses a write half-way (one transaction)', async () => {
    // Poison the id map so the notes insert collides after contacts and folders were written.
    await importFrameLordExport(
      db,
      other.userId,
      { framelord_notes: [loadSample().framelord_notes[0]] },
      { blobs: server.server.services.blobs },
    );
    const [otherNote] = await db
      .select({ id: importIdMap.target_id })
      .from(importIdMap)
      .where(eq(importIdMap.user_id, other.userId));
    await db.insert(importIdMap).values({
      user_id: user.userId,
      store: 'notes',
      source_id: 'note-1765176927904',
      target_id: otherNote?.id as string,
    });
    const before = await dumpDatabase(db);
    await expect(
      importFrameLordExport(db, user.userId, loadSample(), { blobs: server.server.services.blobs }),
    ).rejects.toThrow();
    expect(await dumpDatabase(db)).toEqual(before);
    await db.delete(importIdMap).where(eq(importIdMap.user_id, user.userId));
  });
});

describe('tolerated files', () => {
  it('a dry run reports the rows it would add and writes nothing', async () => {
    const before = await dumpDatabase(db);
    const summary = await importFrameLordExport(db, user.userId, loadSample(), {
      blobs: server.server.services.blobs,
      dryRun: true,
    });
    expect(await dumpDatabase(db)).toEqual(before);
    expect(summary.dry_run).toBe(true);
    expect(Object.fromEntries(summary.tables.map((row) => [row.table, row.added]))).toEqual(EXPECTED_ADDED);
  });

  it('drops dangling references, skips records missing their required contact (docs/formats/framelord-export.md §4.6)', async () => {
    const file = loadSample();
    // The app's own Settings export: notes, tasks, no contacts; plus keys to ignore.
    const partial = {
      framelord_notes: file.framelord_notes,
      framelord_tasks: file.framelord_tasks.slice(0, 3),
      framelord_contact_zero: file.framelord_contacts[0],
      framelord_folders: [{ id: 'x', name: 'Sidebar', noteIds: [] }],
      exportedAt: file.exportedAt,
    };
    const summary = await importFrameLordExport(db, fresh.userId, partial, { blobs: server.server.services.blobs });
    const counts = await countUserRows(db, fresh.userId);
    const ownTasks = partial.framelord_tasks.filter((task: { contactId: string }) => task.contactId === 'contact_zero');
    expect(ownTasks.length).toBeGreaterThan(0);
    expect(counts).toMatchObject({ contacts: 1, notes: 29, tasks: ownTasks.length, folders: 4, note_links: 22 });
    // Only targets naming Contact Zero survive; custom folders are gone, defaults still match.
    expect(counts.note_target_contacts).toBe(1);
    expect(summary.warnings.filter((warning) => warning.includes('the task is skipped'))).toHaveLength(
      3 - ownTasks.length,
    );
    expect(
      summary.warnings.some((warning) => warning.includes('folder "folder-1762776259002-72n2" is not in the file')),
    ).toBe(true);
    const imported = await db.select({ contact: tasks.contact_id }).from(tasks).where(eq(tasks.user_id, fresh.userId));
    expect(imported.map((row) => row.contact)).toEqual(ownTasks.map(() => fresh.contactZeroId));
  });

  it('drops a cosmetic value too long for its column, and keeps a long title whole in the document', async () => {
    const title = `Long ${'title '.repeat(120)}`.trim();
    const file = {
      folders: [
        {
          id: 'folder-1',
          name: 'Courses',
          parentId: null,
          order: 1,
          icon: 'graduation-cap',
          createdAt: '2025-01-01T00:00:00Z',
          updatedAt: '2025-01-01T00:00:00Z',
        },
      ],
      framelord_notes: [
        {
          id: 'note-1',
          title,
          content: 'x',
          createdAt: '2025-01-01T00:00:00Z',
          folderId: 'folder-1',
          targetContactIds: [],
        },
      ],
    };
    const summary = await importFrameLordExport(db, fresh.userId, file, { blobs: server.server.services.blobs });
    expect(summary.warnings).toEqual(['folders[0] "folder-1".icon: longer than 10 characters; dropped']);
    const [folder] = await db.select().from(folders).where(eq(folders.name, 'Courses'));
    expect(folder?.icon).toBeNull();
    const [note] = await db
      .select()
      .from(notes)
      .where(eq(notes.folder_id, folder?.id as string));
    expect(note?.title).toBe(title.slice(0, 500));
    const doc = new Y.Doc();
    Y.applyUpdate(doc, note?.blocksuite_doc as Uint8Array);
    expect(readBlockSuiteDocument(doc).title).toBe(title);
  });
});
