-- A document's stored state and its update log are written uncompressed, out of line. Yjs states
-- compress about 2:1 with pglz, but the compression is one synchronous pass over the whole value
-- inside the writing statement: on PGlite that statement runs in the server's own thread, holding
-- its one connection and the event loop (a 3.3 MB state: 0.35-0.65 s of pglz against 0.04-0.06 s
-- stored as is), and on PostgreSQL it is CPU the server's backend spends on every compaction
-- (0.24-0.41 s against 0.04-0.09 s). A log entry is read once, by the compaction that deletes it.
-- Trade: about twice the bytes on disk for these two columns (docs/durability.md, "Storage").
ALTER TABLE "notes" ALTER COLUMN "blocksuite_doc" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "note_updates" ALTER COLUMN "update" SET STORAGE EXTERNAL;
