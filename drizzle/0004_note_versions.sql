CREATE TABLE "note_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"note_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"source" varchar(20) NOT NULL,
	"title" varchar(500),
	"size" integer NOT NULL,
	"stored_size" integer NOT NULL,
	"state" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "valid_version_source" CHECK ("note_versions"."source" IN ('edit', 'restore', 'import'))
);
--> statement-breakpoint
ALTER TABLE "note_versions" ADD CONSTRAINT "note_versions_note_id_notes_id_fk" FOREIGN KEY ("note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_versions" ADD CONSTRAINT "note_versions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_note_versions_note_created" ON "note_versions" USING btree ("note_id","created_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "idx_note_versions_created_at" ON "note_versions" USING btree ("created_at");