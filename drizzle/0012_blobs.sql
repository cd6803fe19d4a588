CREATE TABLE "blob_chunks" (
	"storage_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "blob_chunks_storage_id_seq_pk" PRIMARY KEY("storage_id","seq")
);
--> statement-breakpoint
CREATE TABLE "blobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"key" varchar(44) NOT NULL,
	"content_type" varchar(255) NOT NULL,
	"size" bigint NOT NULL,
	"storage_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delete_requested_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "note_blobs" (
	"note_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"blob_key" varchar(44) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "note_blobs_note_id_blob_key_pk" PRIMARY KEY("note_id","blob_key")
);
--> statement-breakpoint
ALTER TABLE "blobs" ADD CONSTRAINT "blobs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_blobs" ADD CONSTRAINT "note_blobs_note_id_notes_id_fk" FOREIGN KEY ("note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_blobs" ADD CONSTRAINT "note_blobs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_blob_chunks_first_created_at" ON "blob_chunks" USING btree ("created_at") WHERE "blob_chunks"."seq" = 0;--> statement-breakpoint
CREATE UNIQUE INDEX "blobs_user_id_key_key" ON "blobs" USING btree ("user_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "blobs_storage_id_key" ON "blobs" USING btree ("storage_id");--> statement-breakpoint
CREATE INDEX "idx_blobs_created_at" ON "blobs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "idx_note_blobs_user_key" ON "note_blobs" USING btree ("user_id","blob_key");