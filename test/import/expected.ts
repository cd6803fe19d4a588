// docs/formats/framelord-export.md §7 and the per-note table for sample-export.json, as data.

/** Rows of each table after importing the sample into a freshly registered account. */
export const EXPECTED_TOTALS: Record<string, number> = {
  contacts: 13,
  folders: 7,
  notes: 29,
  // The one legacy note attachment of the sample (note-1764263120934's whiteboard.png, docs/blobs.md).
  blobs: 1,
  note_target_contacts: 10,
  note_links: 22,
  topics: 25,
  note_topics: 36,
  tasks: 17,
  interactions: 8,
  interaction_attachments: 1,
  groups: 2,
  group_memberships: 7,
  projects: 1,
  project_related_contacts: 2,
  project_sections: 3,
  project_task_links: 4,
  project_attachments: 1,
  pipeline_templates: 1,
  pipeline_stage_templates: 5,
  pipeline_items: 3,
};

/** Rows the import adds (§7's first column): the account's Contact Zero and 4 folders exist before. */
export const EXPECTED_ADDED: Record<string, number> = { ...EXPECTED_TOTALS, contacts: 12, folders: 3 };

export const EXPECTED_TOPIC_SLUGS = [
  'acme-logistics-account',
  'acme-renewal',
  'boundaries',
  'café-ops',
  'ceramics-class',
  'david-kim',
  'dec-1-2025',
  'finance',
  'hiring-plan',
  'logistics-ctos',
  'marcus-bell',
  'offsite-2026',
  'pricing-strategy',
  'q1-planning',
  'sales',
  'sarah-lindqvist',
  'the-mom-test',
  'weekly-review',
  '日本出張',
  'engineering',
  'gratitude',
  'ideas',
  'marketing',
  'negotiation',
  'product',
].sort();

export const EXPECTED_BACKLINKS: Record<string, number> = {
  'note-1763657335301': 7,
  'note-1763719357114': 6,
  'note-1763800200512': 3,
  'note-1763588270999': 2,
  'note-1764850251260': 1,
  'note-1764953103218-rvox': 1,
  'note-1764578832331': 1,
  'note-1763984709820': 1,
};

export interface NoteExpectation {
  id: string;
  archived: boolean;
  /** Folder name, or null. */
  folder: string | null;
  links: string[];
  topics: string[];
  /** Contact full names; 'CONTACT_ZERO' for the account's own. */
  targets: string[];
}

const note = (
  id: string,
  archived: boolean,
  folder: string | null,
  links: string[],
  topics: string[],
  targets: string[] = [],
): NoteExpectation => ({
  id,
  archived,
  folder,
  links,
  topics,
  targets,
});

export const EXPECTED_NOTES: NoteExpectation[] = [
  note('note-1765176927904', false, null, ['note-1764850251260'], ['café-ops', '日本出張']),
  note('note-1765136402504', false, null, [], []),
  note('note-1765134750588', false, null, ['note-1763719357114'], ['q1-planning', 'logistics-ctos'], ['David Kim']),
  note('note-1765113645933', false, null, ['note-1763657335301'], ['pricing-strategy']),
  note('note-1765061295188', false, null, [], ['david-kim']),
  note('note-1765015092404', true, null, ['note-1763719357114'], ['q1-planning']),
  note('note-1765013582645', false, null, [], [], ['Tomás Ortega']),
  note('note-1764957753021', false, null, [], []),
  note('note-1764953103218-rvox', false, null, [], [], ['Marcus Bell']),
  note(
    'note-1764953103216',
    false,
    'Acme Logistics',
    ['note-1764953103218-rvox', 'note-1763719357114'],
    ['acme-renewal', 'q1-planning'],
    ['Marcus Bell'],
  ),
  note('note-1764918129415', false, null, [], []),
  note('note-1764850251260', false, 'Areas', ['note-1763800200512'], ['weekly-review']),
  note(
    'note-1764846192955',
    false,
    null,
    ['note-1763657335301'],
    ['pricing-strategy', 'sarah-lindqvist'],
    ['Sarah Lindqvist'],
  ),
  note('note-1764795918777', false, null, ['note-1763800200512'], ['weekly-review', 'boundaries']),
  note(
    'note-1764749736472',
    false,
    null,
    ['note-1763657335301', 'note-1763588270999'],
    ['pricing-strategy', 'the-mom-test'],
    ['Sarah Lindqvist'],
  ),
  note('note-1764684048130', false, 'Projects', [], []),
  note(
    'note-1764662320090',
    false,
    null,
    ['note-1763719357114', 'note-1763588270999'],
    ['q1-planning', 'the-mom-test'],
  ),
  note('note-1764578832331', false, null, ['note-1763657335301'], ['marcus-bell', 'pricing-strategy']),
  note('note-1764263120934', false, 'Resources', [], ['offsite-2026']),
  note('note-1764153600083', false, 'Projects', [], [], ['Amara Nwosu']),
  note('note-1764083787047', false, 'Clients', ['note-1763800200512'], ['weekly-review']),
  note(
    'note-1763984709820',
    false,
    'Acme Logistics',
    ['note-1764578832331', 'note-1763657335301'],
    ['dec-1-2025', 'pricing-strategy'],
    ['Marcus Bell'],
  ),
  note(
    'note-1763800200512',
    false,
    'Areas',
    ['note-1763719357114'],
    ['q1-planning', 'weekly-review'],
    ['CONTACT_ZERO'],
  ),
  note(
    'note-1763719357114',
    false,
    'Projects',
    ['note-1763657335301'],
    ['sales', 'pricing-strategy', 'hiring-plan', 'finance'],
  ),
  note(
    'note-1763657335301',
    false,
    'Projects',
    ['note-1763719357114', 'note-1763984709820'],
    ['q1-planning', 'acme-logistics-account', 'sales', 'finance'],
  ),
  note('note-1763588270999', false, 'Book Notes', [], []),
  note('note-1763283641362', true, 'Areas', [], []),
  note('note-1763216405703', true, 'Archive', ['note-1763657335301'], ['pricing-strategy']),
  note('note-1763148125118', false, null, [], ['ceramics-class'], ['Lena Okafor']),
];
