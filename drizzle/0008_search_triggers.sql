-- docs/search.md: every writer of notes (REST, sync push, import, document stores) keeps the
-- search parts in step without remembering to: a new note takes its owner's language and gets
-- part 0; a title or language change reaches every part. The parts' text is written by the
-- document store (src/domain/search/note-chunks.ts).
CREATE FUNCTION fl_note_search_language() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_language := coalesce((SELECT search_language FROM users WHERE id = NEW.user_id), 'neutral');
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER notes_search_language BEFORE INSERT ON notes
FOR EACH ROW EXECUTE FUNCTION fl_note_search_language();
--> statement-breakpoint
CREATE FUNCTION fl_note_search_chunk_zero() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO note_search_chunks (note_id, chunk_no, user_id, language, title)
  VALUES (NEW.id, 0, NEW.user_id, NEW.search_language, coalesce(NEW.title, ''))
  ON CONFLICT (note_id, chunk_no) DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER notes_search_chunk_zero AFTER INSERT ON notes
FOR EACH ROW EXECUTE FUNCTION fl_note_search_chunk_zero();
--> statement-breakpoint
CREATE FUNCTION fl_note_search_header() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE note_search_chunks SET title = coalesce(NEW.title, ''), language = NEW.search_language
  WHERE note_id = NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER notes_search_header AFTER UPDATE OF title, search_language ON notes
FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.search_language IS DISTINCT FROM NEW.search_language)
EXECUTE FUNCTION fl_note_search_header();
--> statement-breakpoint
-- Notes stored before search existed: their text in parts of 16,384 characters (the size
-- note-chunks.ts cuts at; its next store of the note re-cuts at word boundaries).
INSERT INTO note_search_chunks (note_id, chunk_no, user_id, language, title, content)
SELECT n.id, part.no, n.user_id, n.search_language, coalesce(n.title, ''),
       substr(coalesce(n.blocksuite_snapshot->>'text', ''), part.no * 16384 + 1, 16384)
FROM notes n
CROSS JOIN LATERAL generate_series(0, greatest(0, (length(coalesce(n.blocksuite_snapshot->>'text', '')) - 1) / 16384)) AS part(no);
