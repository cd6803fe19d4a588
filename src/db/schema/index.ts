// The single source of truth for the database: migrations are generated from these tables.
// Order follows dependencies (docs/architecture.md: folders before notes).
export * from './users.ts';
export * from './contacts.ts';
export * from './folders.ts';
export * from './notes.ts';
export * from './topics.ts';
export * from './tasks.ts';
export * from './interactions.ts';
export * from './groups.ts';
export * from './projects.ts';
export * from './pipelines.ts';
export * from './sync.ts';
export * from './imports.ts';
export * from './identities.ts';
export * from './history.ts';
export * from './blobs.ts';
