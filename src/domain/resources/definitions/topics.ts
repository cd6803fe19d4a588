import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { notes, noteTopics, topics } from '../../../db/schema/index.ts';
import type { ResourceDefinition } from '../definition.ts';
import { equals, substringSearch } from '../filters.ts';
import { timestampSchema } from '../schemas.ts';
import { uuidSchema } from '../../uuid.ts';

const linkedNote = z.object({ note_id: uuidSchema(), title: z.string().nullable(), created_at: timestampSchema() });

/** Topics come from `[[labels]]` in documents (docs/collaboration.md): clients read them, extraction writes them. */
export const topicsResource: ResourceDefinition = {
  path: 'topics',
  entityType: 'topic',
  name: 'Topic',
  table: topics,
  readOnly: true,
  writable: [],
  computedFields: {
    note_count: z.int().meta({ description: 'Non-archived notes mentioning the topic.' }),
    linked_notes: z.array(linkedNote).meta({ description: 'Those notes, newest first.' }),
  },
  filters: { slug: equals(topics.slug, z.string().max(255), 'The topic with this slug.') },
  sortable: ['updated_at', 'created_at', 'label'],
  search: substringSearch([topics.label], 'Case-insensitive substring of the label.'),
  async decorate(db, entities) {
    const ids = entities.map((entity) => String(entity.id));
    if (ids.length === 0) return;
    const rows = await db
      .select({ topic_id: noteTopics.topic_id, note_id: notes.id, title: notes.title, created_at: notes.created_at })
      .from(noteTopics)
      .innerJoin(notes, eq(notes.id, noteTopics.note_id))
      .where(and(inArray(noteTopics.topic_id, ids), eq(notes.is_archived, false)))
      .orderBy(desc(notes.created_at), notes.id);
    const byTopic = new Map<string, Array<z.infer<typeof linkedNote>>>();
    for (const row of rows) {
      const list = byTopic.get(row.topic_id) ?? [];
      list.push({ note_id: row.note_id, title: row.title, created_at: row.created_at.toISOString() });
      byTopic.set(row.topic_id, list);
    }
    for (const entity of entities) {
      const linked = byTopic.get(String(entity.id)) ?? [];
      entity.note_count = linked.length;
      entity.linked_notes = linked;
    }
  },
};
