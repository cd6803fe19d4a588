ALTER TABLE "note_updates" ADD COLUMN "session_id" uuid;--> statement-breakpoint
ALTER TABLE "note_versions" ADD COLUMN "session_id" uuid;--> statement-breakpoint
ALTER TABLE "note_versions" ADD COLUMN "import_id" uuid;