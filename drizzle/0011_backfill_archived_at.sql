-- Rows archived before archived_at existed: the best known time of archiving is their last write
-- (docs/history-and-trash.md). The trash's retention counts from it.
UPDATE "contacts" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;--> statement-breakpoint
UPDATE "folders" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;--> statement-breakpoint
UPDATE "notes" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;--> statement-breakpoint
UPDATE "topics" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;--> statement-breakpoint
UPDATE "tasks" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;--> statement-breakpoint
UPDATE "interactions" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;--> statement-breakpoint
UPDATE "groups" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;--> statement-breakpoint
UPDATE "projects" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;--> statement-breakpoint
UPDATE "pipeline_items" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;--> statement-breakpoint
UPDATE "pipeline_templates" SET "archived_at" = "updated_at" WHERE "is_archived" AND "archived_at" IS NULL;
