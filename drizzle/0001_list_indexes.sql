DROP INDEX "idx_contacts_user_updated_at";--> statement-breakpoint
DROP INDEX "idx_notes_user_updated_at";--> statement-breakpoint
DROP INDEX "idx_tasks_user_updated_at";--> statement-breakpoint
DROP INDEX "idx_interactions_user_updated_at";--> statement-breakpoint
CREATE INDEX "idx_folders_user_updated_at" ON "folders" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");--> statement-breakpoint
CREATE INDEX "idx_topics_user_updated_at" ON "topics" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");--> statement-breakpoint
CREATE INDEX "idx_groups_user_updated_at" ON "groups" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");--> statement-breakpoint
CREATE INDEX "idx_projects_user_updated_at" ON "projects" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");--> statement-breakpoint
CREATE INDEX "idx_pipeline_items_user_updated_at" ON "pipeline_items" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");--> statement-breakpoint
CREATE INDEX "idx_pipeline_templates_user_updated_at" ON "pipeline_templates" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");--> statement-breakpoint
CREATE INDEX "idx_contacts_user_updated_at" ON "contacts" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");--> statement-breakpoint
CREATE INDEX "idx_notes_user_updated_at" ON "notes" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");--> statement-breakpoint
CREATE INDEX "idx_tasks_user_updated_at" ON "tasks" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");--> statement-breakpoint
CREATE INDEX "idx_interactions_user_updated_at" ON "interactions" USING btree ("user_id","updated_at" DESC NULLS LAST,"id","is_archived");