-- docs/search.md: the extensions search needs (both engines ship them; PGlite loads its builds in
-- src/db/client.ts), a folding function for titles, and one text search configuration per
-- language of src/db/schema/search-text.ts with unaccent in front of its dictionaries.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gin;
--> statement-breakpoint
-- unaccent() is STABLE (its rules file could change); with the dictionary named, the fold is the
-- same for the life of the database, which is what an index or generated column needs.
CREATE FUNCTION fl_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_neutral (COPY = simple);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_neutral ALTER MAPPING FOR word, hword, hword_part, numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_danish (COPY = danish);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_danish ALTER MAPPING FOR word, hword, hword_part WITH unaccent, danish_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_danish ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_dutch (COPY = dutch);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_dutch ALTER MAPPING FOR word, hword, hword_part WITH unaccent, dutch_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_dutch ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_english (COPY = english);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_english ALTER MAPPING FOR word, hword, hword_part WITH unaccent, english_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_english ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_finnish (COPY = finnish);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_finnish ALTER MAPPING FOR word, hword, hword_part WITH unaccent, finnish_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_finnish ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_french (COPY = french);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_french ALTER MAPPING FOR word, hword, hword_part WITH unaccent, french_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_french ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_german (COPY = german);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_german ALTER MAPPING FOR word, hword, hword_part WITH unaccent, german_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_german ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_hungarian (COPY = hungarian);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_hungarian ALTER MAPPING FOR word, hword, hword_part WITH unaccent, hungarian_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_hungarian ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_italian (COPY = italian);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_italian ALTER MAPPING FOR word, hword, hword_part WITH unaccent, italian_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_italian ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_norwegian (COPY = norwegian);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_norwegian ALTER MAPPING FOR word, hword, hword_part WITH unaccent, norwegian_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_norwegian ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_portuguese (COPY = portuguese);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_portuguese ALTER MAPPING FOR word, hword, hword_part WITH unaccent, portuguese_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_portuguese ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_romanian (COPY = romanian);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_romanian ALTER MAPPING FOR word, hword, hword_part WITH unaccent, romanian_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_romanian ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_russian (COPY = russian);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_russian ALTER MAPPING FOR word, hword, hword_part WITH unaccent, russian_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_russian ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_spanish (COPY = spanish);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_spanish ALTER MAPPING FOR word, hword, hword_part WITH unaccent, spanish_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_spanish ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_swedish (COPY = swedish);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_swedish ALTER MAPPING FOR word, hword, hword_part WITH unaccent, swedish_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_swedish ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION fl_turkish (COPY = turkish);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_turkish ALTER MAPPING FOR word, hword, hword_part WITH unaccent, turkish_stem;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION fl_turkish ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
