// docs/search.md: the per-user search language. Notes are stemmed in their owner's language; a
// change re-indexes that user's notes in the background, a batch of notes per statement (each
// note's parts take the new language through the trigger of the search migration, and their
// generated vectors are recomputed). Until the last batch, search matches either language
// (search-service.ts), so nothing disappears from results meanwhile. A run interrupted by a
// shutdown resumes at the next start (users whose two language columns differ).
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import { SEARCH_LANGUAGES, type SearchLanguage } from '../../db/schema/search-text.ts';
import type { Logger } from '../../logger.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { parseInput } from '../validation.ts';
import { userSearchLanguages } from './search-service.ts';

/** Notes re-indexed per statement: each rewrites their parts' vectors, so a batch stays short. */
export const REINDEX_BATCH = 200;

export const searchSettingsBodySchema = z.strictObject({ search_language: z.enum(SEARCH_LANGUAGES) });

export interface SearchSettings {
  search_language: SearchLanguage;
  /** The language the user's notes are indexed in now. */
  indexed_language: SearchLanguage;
  /** True while notes are being re-indexed into `search_language`. */
  reindexing: boolean;
  languages: readonly SearchLanguage[];
}

export interface SearchSettingsService {
  get(auth: AuthContext): Promise<SearchSettings>;
  /** Stores the language and starts re-indexing the user's notes in the background. */
  update(auth: AuthContext, body: unknown): Promise<SearchSettings>;
  /** Resumes re-indexing interrupted by a shutdown. */
  start(): void;
  /** Lets running batches finish and starts no more. */
  stop(): Promise<void>;
  /** Resolves once no re-index runs (tests, benchmarks). */
  idle(): Promise<void>;
}

/** One batch: notes of the user not yet in `language`. Exported for the EXPLAIN test. */
export const reindexBatchSql = (userId: string, language: SearchLanguage) =>
  sql`update notes set search_language = ${language}
    where id in (select id from notes where user_id = ${userId} and search_language <> ${language} limit ${REINDEX_BATCH})
    returning id`;

export function createSearchSettingsService(db: Db, logger: Logger): SearchSettingsService {
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  async function reindexUser(userId: string): Promise<void> {
    while (!stopped) {
      const languages = await userSearchLanguages(db, userId);
      const changed = await queryRows<{ id: string }>(db, reindexBatchSql(userId, languages.chosen));
      if (changed.length > 0) continue;
      // Done only if the choice did not change meanwhile (the update names the language it finished).
      const done = await queryRows<{ id: string }>(
        db,
        sql`update users set search_language_applied = search_language
          where id = ${userId} and search_language = ${languages.chosen} returning id`,
      );
      if (done.length > 0) return;
    }
  }

  function schedule(userId: string): void {
    if (stopped) return;
    const previous = running.get(userId);
    if (previous) {
      // A run in progress re-reads the choice before finishing; queue one more pass to be sure.
      running.set(
        userId,
        previous.then(() => reindexUser(userId)),
      );
      return;
    }
    const job = reindexUser(userId)
      .catch((error: unknown) =>
        logger.error({ err: error, user_id: userId }, 'search re-index failed; resumes at next start'),
      )
      .finally(() => {
        if (running.get(userId) === job) running.delete(userId);
      });
    running.set(userId, job);
  }

  async function settingsOf(userId: string): Promise<SearchSettings> {
    const languages = await userSearchLanguages(db, userId);
    return {
      search_language: languages.chosen,
      indexed_language: languages.applied,
      reindexing: languages.chosen !== languages.applied,
      languages: SEARCH_LANGUAGES,
    };
  }

  return {
    get: (auth) => settingsOf(auth.userId),
    async update(auth, body) {
      const { search_language } = parseInput(searchSettingsBodySchema, body);
      await db.execute(
        sql`update users set search_language = ${search_language}, updated_at = now() where id = ${auth.userId}`,
      );
      schedule(auth.userId);
      return settingsOf(auth.userId);
    },
    start() {
      void (async () => {
        try {
          const pending = await queryRows<{ id: string }>(
            db,
            sql`select id from users where search_language <> search_language_applied`,
          );
          for (const row of pending) schedule(String(row.id));
          if (pending.length > 0) logger.info({ users: pending.length }, 'resuming search re-index');
        } catch (error) {
          logger.error({ err: error }, 'could not look for interrupted search re-indexing');
        }
      })();
    },
    async stop() {
      stopped = true;
      await Promise.allSettled([...running.values()]);
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
  };
}
