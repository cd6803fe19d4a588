ALTER TABLE "contacts" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "folders" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notes" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "topics" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "interactions" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pipeline_items" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pipeline_templates" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "idx_contacts_archived" ON "contacts" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "contacts"."is_archived" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_folders_archived" ON "folders" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "folders"."is_archived" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_notes_archived" ON "notes" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "notes"."is_archived" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_topics_archived" ON "topics" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "topics"."is_archived" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_tasks_archived" ON "tasks" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "tasks"."is_archived" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_interactions_archived" ON "interactions" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "interactions"."is_archived" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_groups_archived" ON "groups" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "groups"."is_archived" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_projects_archived" ON "projects" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "projects"."is_archived" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_pipeline_items_archived" ON "pipeline_items" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "pipeline_items"."is_archived" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_pipeline_templates_archived" ON "pipeline_templates" USING btree ("user_id","archived_at" DESC NULLS LAST) WHERE "pipeline_templates"."is_archived" = TRUE;