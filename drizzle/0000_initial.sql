CREATE TABLE "auth_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"refresh_generation" varchar(64) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_refreshed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_reason" varchar(50)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" varchar(255) NOT NULL,
	"email_verified_at" timestamp with time zone,
	"password_hash" varchar(255),
	"full_name" varchar(255) NOT NULL,
	"avatar_url" text,
	"phone" varchar(50),
	"status" varchar(50) DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_login_at" timestamp with time zone,
	CONSTRAINT "users_email_key" UNIQUE("email"),
	CONSTRAINT "valid_email" CHECK ("users"."email" ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'),
	CONSTRAINT "valid_status" CHECK ("users"."status" IN ('active', 'suspended', 'deleted')),
	CONSTRAINT "email_is_lower_case" CHECK ("users"."email" = lower("users"."email"))
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"full_name" varchar(255) NOT NULL,
	"email" varchar(255),
	"phone" varchar(50),
	"avatar_url" text,
	"is_contact_zero" boolean DEFAULT false NOT NULL,
	"relationship_domain" varchar(50) NOT NULL,
	"relationship_role" varchar(100) NOT NULL,
	"status" varchar(50) DEFAULT 'active' NOT NULL,
	"frame_score" integer,
	"frame_trend" varchar(10),
	"frame_last_scan_at" timestamp with time zone,
	"last_contact_at" timestamp with time zone,
	"next_action_at" timestamp with time zone,
	"tags" text[] DEFAULT '{}'::text[],
	"company" varchar(255),
	"title" varchar(255),
	"location" varchar(255),
	"linkedin_url" text,
	"x_handle" varchar(255),
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone,
	CONSTRAINT "valid_relationship_domain" CHECK ("contacts"."relationship_domain" IN ('business', 'personal', 'hybrid')),
	CONSTRAINT "valid_status" CHECK ("contacts"."status" IN ('active', 'dormant', 'blocked', 'testing', 'archived')),
	CONSTRAINT "valid_frame_score" CHECK ("contacts"."frame_score" >= 0 AND "contacts"."frame_score" <= 100),
	CONSTRAINT "valid_frame_trend" CHECK ("contacts"."frame_trend" IN ('up', 'down', 'flat'))
);
--> statement-breakpoint
CREATE TABLE "folders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"parent_id" uuid,
	"name" varchar(255) NOT NULL,
	"icon" varchar(10),
	"color" varchar(50),
	"sort_order" integer DEFAULT 0 NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "note_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source_note_id" uuid NOT NULL,
	"target_note_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "note_links_source_note_id_target_note_id_key" UNIQUE("source_note_id","target_note_id")
);
--> statement-breakpoint
CREATE TABLE "note_references" (
	"note_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" varchar(10) NOT NULL,
	"target_key" varchar(500) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "note_references_note_id_kind_target_key_pk" PRIMARY KEY("note_id","kind","target_key"),
	CONSTRAINT "valid_reference_kind" CHECK ("note_references"."kind" IN ('title', 'doc'))
);
--> statement-breakpoint
CREATE TABLE "note_target_contacts" (
	"note_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "note_target_contacts_note_id_contact_id_pk" PRIMARY KEY("note_id","contact_id")
);
--> statement-breakpoint
CREATE TABLE "note_updates" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"note_id" uuid NOT NULL,
	"update" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"title" varchar(500),
	"title_normalized" varchar(500),
	"icon" varchar(10),
	"blocksuite_doc_id" varchar(255) NOT NULL,
	"blocksuite_doc" "bytea",
	"blocksuite_snapshot" jsonb,
	"author_contact_id" uuid NOT NULL,
	"kind" varchar(50) DEFAULT 'note' NOT NULL,
	"date_key" date,
	"folder_id" uuid,
	"is_inbox" boolean DEFAULT false NOT NULL,
	"tags" text[] DEFAULT '{}'::text[],
	"preferred_view" varchar(20) DEFAULT 'doc' NOT NULL,
	"is_pinned_home" boolean DEFAULT false NOT NULL,
	"is_pinned" boolean DEFAULT false NOT NULL,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('english'::regconfig, left(coalesce(blocksuite_snapshot->>'text', ''), 262144)), 'B')) STORED,
	CONSTRAINT "notes_blocksuite_doc_id_key" UNIQUE("blocksuite_doc_id"),
	CONSTRAINT "valid_kind" CHECK ("notes"."kind" IN ('log', 'note', 'system')),
	CONSTRAINT "valid_preferred_view" CHECK ("notes"."preferred_view" IN ('doc', 'canvas')),
	CONSTRAINT "log_must_have_date" CHECK ("notes"."kind" != 'log' OR "notes"."date_key" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "note_topics" (
	"note_id" uuid NOT NULL,
	"topic_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "note_topics_note_id_topic_id_pk" PRIMARY KEY("note_id","topic_id")
);
--> statement-breakpoint
CREATE TABLE "topics" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"label" varchar(255) NOT NULL,
	"slug" varchar(255) NOT NULL,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone,
	CONSTRAINT "topics_user_id_slug_key" UNIQUE("user_id","slug")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"title" varchar(500) NOT NULL,
	"description" text,
	"status" varchar(20) DEFAULT 'open' NOT NULL,
	"due_at" timestamp with time zone,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone,
	"created_by" uuid,
	CONSTRAINT "valid_status" CHECK ("tasks"."status" IN ('open', 'done', 'blocked'))
);
--> statement-breakpoint
CREATE TABLE "interaction_attachments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"interaction_id" uuid NOT NULL,
	"file_name" varchar(255) NOT NULL,
	"mime_type" varchar(100) NOT NULL,
	"data_url" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "interactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"author_contact_id" uuid NOT NULL,
	"type" varchar(50) NOT NULL,
	"summary" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone,
	CONSTRAINT "valid_type" CHECK ("interactions"."type" IN ('call', 'meeting', 'message', 'email', 'dm', 'other'))
);
--> statement-breakpoint
CREATE TABLE "group_memberships" (
	"group_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_memberships_group_id_contact_id_pk" PRIMARY KEY("group_id","contact_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"banner_url" text,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "project_attachments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"file_name" varchar(255) NOT NULL,
	"mime_type" varchar(100) NOT NULL,
	"data_url" text NOT NULL,
	"uploaded_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_related_contacts" (
	"project_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_related_contacts_project_id_contact_id_pk" PRIMARY KEY("project_id","contact_id")
);
--> statement-breakpoint
CREATE TABLE "project_sections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" varchar(255) NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "project_task_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"section_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_task_links_project_id_section_id_task_id_key" UNIQUE("project_id","section_id","task_id")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"banner_url" text,
	"primary_contact_id" uuid NOT NULL,
	"status" varchar(50) DEFAULT 'active' NOT NULL,
	"priority" varchar(20) DEFAULT 'medium' NOT NULL,
	"start_date" date,
	"due_date" date,
	"is_group_project" boolean DEFAULT false NOT NULL,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone,
	CONSTRAINT "valid_status" CHECK ("projects"."status" IN ('active', 'on_hold', 'completed', 'archived')),
	CONSTRAINT "valid_priority" CHECK ("projects"."priority" IN ('low', 'medium', 'high', 'critical'))
);
--> statement-breakpoint
CREATE TABLE "pipeline_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"template_id" uuid NOT NULL,
	"current_stage_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"label" varchar(255),
	"value" numeric(12, 2),
	"status" varchar(50) DEFAULT 'open' NOT NULL,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	CONSTRAINT "valid_status" CHECK ("pipeline_items"."status" IN ('open', 'won', 'lost', 'archived'))
);
--> statement-breakpoint
CREATE TABLE "pipeline_stage_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"template_id" uuid NOT NULL,
	"name" varchar(255) NOT NULL,
	"sort_order" integer NOT NULL,
	"color" varchar(50),
	"auto_task_title" varchar(500),
	"auto_task_due_in_days" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pipeline_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"domain" varchar(50) NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sync_version" integer DEFAULT 0 NOT NULL,
	"last_synced_at" timestamp with time zone,
	CONSTRAINT "valid_domain" CHECK ("pipeline_templates"."domain" IN ('business', 'personal', 'hybrid'))
);
--> statement-breakpoint
CREATE TABLE "sync_changes" (
	"user_id" uuid NOT NULL,
	"entity_type" varchar(32) NOT NULL,
	"entity_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "sync_changes_user_id_entity_type_entity_id_pk" PRIMARY KEY("user_id","entity_type","entity_id")
);
--> statement-breakpoint
CREATE TABLE "sync_mutations" (
	"user_id" uuid NOT NULL,
	"mutation_id" varchar(255) NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_mutations_user_id_mutation_id_pk" PRIMARY KEY("user_id","mutation_id")
);
--> statement-breakpoint
CREATE TABLE "user_change_counters" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_id_map" (
	"user_id" uuid NOT NULL,
	"store" varchar(50) NOT NULL,
	"source_id" varchar(255) NOT NULL,
	"target_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "import_id_map_user_id_store_source_id_pk" PRIMARY KEY("user_id","store","source_id")
);
--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD CONSTRAINT "auth_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "folders" ADD CONSTRAINT "folders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "folders" ADD CONSTRAINT "folders_parent_id_folders_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."folders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_links" ADD CONSTRAINT "note_links_source_note_id_notes_id_fk" FOREIGN KEY ("source_note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_links" ADD CONSTRAINT "note_links_target_note_id_notes_id_fk" FOREIGN KEY ("target_note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_references" ADD CONSTRAINT "note_references_note_id_notes_id_fk" FOREIGN KEY ("note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_references" ADD CONSTRAINT "note_references_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_target_contacts" ADD CONSTRAINT "note_target_contacts_note_id_notes_id_fk" FOREIGN KEY ("note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_target_contacts" ADD CONSTRAINT "note_target_contacts_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_updates" ADD CONSTRAINT "note_updates_note_id_notes_id_fk" FOREIGN KEY ("note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_author_contact_id_contacts_id_fk" FOREIGN KEY ("author_contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_folder_id_folders_id_fk" FOREIGN KEY ("folder_id") REFERENCES "public"."folders"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_topics" ADD CONSTRAINT "note_topics_note_id_notes_id_fk" FOREIGN KEY ("note_id") REFERENCES "public"."notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_topics" ADD CONSTRAINT "note_topics_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."topics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "topics" ADD CONSTRAINT "topics_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_created_by_contacts_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interaction_attachments" ADD CONSTRAINT "interaction_attachments_interaction_id_interactions_id_fk" FOREIGN KEY ("interaction_id") REFERENCES "public"."interactions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_author_contact_id_contacts_id_fk" FOREIGN KEY ("author_contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_memberships" ADD CONSTRAINT "group_memberships_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_memberships" ADD CONSTRAINT "group_memberships_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_attachments" ADD CONSTRAINT "project_attachments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_attachments" ADD CONSTRAINT "project_attachments_uploaded_by_contacts_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_related_contacts" ADD CONSTRAINT "project_related_contacts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_related_contacts" ADD CONSTRAINT "project_related_contacts_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_sections" ADD CONSTRAINT "project_sections_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_task_links" ADD CONSTRAINT "project_task_links_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_task_links" ADD CONSTRAINT "project_task_links_section_id_project_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."project_sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_task_links" ADD CONSTRAINT "project_task_links_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_primary_contact_id_contacts_id_fk" FOREIGN KEY ("primary_contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_items" ADD CONSTRAINT "pipeline_items_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_items" ADD CONSTRAINT "pipeline_items_template_id_pipeline_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."pipeline_templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_items" ADD CONSTRAINT "pipeline_items_current_stage_id_pipeline_stage_templates_id_fk" FOREIGN KEY ("current_stage_id") REFERENCES "public"."pipeline_stage_templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_items" ADD CONSTRAINT "pipeline_items_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_stage_templates" ADD CONSTRAINT "pipeline_stage_templates_template_id_pipeline_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."pipeline_templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_templates" ADD CONSTRAINT "pipeline_templates_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_changes" ADD CONSTRAINT "sync_changes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_mutations" ADD CONSTRAINT "sync_mutations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_change_counters" ADD CONSTRAINT "user_change_counters_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_id_map" ADD CONSTRAINT "import_id_map_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_auth_sessions_user_id" ON "auth_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_users_email" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "idx_users_status" ON "users" USING btree ("status");--> statement-breakpoint
CREATE INDEX "idx_users_created_at" ON "users" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_contacts_one_contact_zero_per_user" ON "contacts" USING btree ("user_id") WHERE "contacts"."is_contact_zero";--> statement-breakpoint
CREATE INDEX "idx_contacts_user_id" ON "contacts" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_contacts_is_contact_zero" ON "contacts" USING btree ("user_id","is_contact_zero") WHERE "contacts"."is_contact_zero" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_contacts_status" ON "contacts" USING btree ("status") WHERE "contacts"."is_archived" = FALSE;--> statement-breakpoint
CREATE INDEX "idx_contacts_tags" ON "contacts" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "idx_contacts_next_action_at" ON "contacts" USING btree ("next_action_at") WHERE "contacts"."next_action_at" IS NOT NULL AND "contacts"."is_archived" = FALSE;--> statement-breakpoint
CREATE INDEX "idx_contacts_relationship_domain" ON "contacts" USING btree ("relationship_domain");--> statement-breakpoint
CREATE INDEX "idx_contacts_user_updated_at" ON "contacts" USING btree ("user_id","updated_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "idx_folders_user_id" ON "folders" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_folders_parent_id" ON "folders" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "idx_folders_is_default" ON "folders" USING btree ("user_id","is_default") WHERE "folders"."is_default" = TRUE;--> statement-breakpoint
CREATE INDEX "idx_note_links_source" ON "note_links" USING btree ("source_note_id");--> statement-breakpoint
CREATE INDEX "idx_note_links_target" ON "note_links" USING btree ("target_note_id");--> statement-breakpoint
CREATE INDEX "idx_note_references_lookup" ON "note_references" USING btree ("user_id","kind","target_key");--> statement-breakpoint
CREATE INDEX "idx_note_target_contacts_contact_id" ON "note_target_contacts" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "idx_note_target_contacts_note_id" ON "note_target_contacts" USING btree ("note_id");--> statement-breakpoint
CREATE INDEX "idx_note_updates_note_id" ON "note_updates" USING btree ("note_id","id");--> statement-breakpoint
CREATE INDEX "idx_notes_user_id" ON "notes" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_notes_author_contact_id" ON "notes" USING btree ("author_contact_id");--> statement-breakpoint
CREATE INDEX "idx_notes_kind" ON "notes" USING btree ("kind") WHERE "notes"."is_archived" = FALSE;--> statement-breakpoint
CREATE INDEX "idx_notes_date_key" ON "notes" USING btree ("date_key") WHERE "notes"."date_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "idx_notes_folder_id" ON "notes" USING btree ("folder_id") WHERE "notes"."folder_id" IS NOT NULL AND "notes"."is_archived" = FALSE;--> statement-breakpoint
CREATE INDEX "idx_notes_is_inbox" ON "notes" USING btree ("user_id","is_inbox") WHERE "notes"."is_inbox" = TRUE AND "notes"."is_archived" = FALSE;--> statement-breakpoint
CREATE INDEX "idx_notes_tags" ON "notes" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "idx_notes_created_at" ON "notes" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idx_notes_updated_at" ON "notes" USING btree ("updated_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idx_notes_blocksuite_doc_id" ON "notes" USING btree ("blocksuite_doc_id");--> statement-breakpoint
CREATE INDEX "idx_notes_search_vector" ON "notes" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "idx_notes_user_title_normalized" ON "notes" USING btree ("user_id","title_normalized");--> statement-breakpoint
CREATE INDEX "idx_notes_user_updated_at" ON "notes" USING btree ("user_id","updated_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "idx_note_topics_topic_id" ON "note_topics" USING btree ("topic_id");--> statement-breakpoint
CREATE INDEX "idx_note_topics_note_id" ON "note_topics" USING btree ("note_id");--> statement-breakpoint
CREATE INDEX "idx_topics_user_id" ON "topics" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_topics_slug" ON "topics" USING btree ("user_id","slug");--> statement-breakpoint
CREATE INDEX "idx_tasks_user_id" ON "tasks" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_tasks_contact_id" ON "tasks" USING btree ("contact_id") WHERE "tasks"."is_archived" = FALSE;--> statement-breakpoint
CREATE INDEX "idx_tasks_status" ON "tasks" USING btree ("status") WHERE "tasks"."is_archived" = FALSE;--> statement-breakpoint
CREATE INDEX "idx_tasks_due_at" ON "tasks" USING btree ("due_at") WHERE "tasks"."due_at" IS NOT NULL AND "tasks"."is_archived" = FALSE;--> statement-breakpoint
CREATE INDEX "idx_tasks_created_at" ON "tasks" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idx_tasks_user_updated_at" ON "tasks" USING btree ("user_id","updated_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "idx_interaction_attachments_interaction_id" ON "interaction_attachments" USING btree ("interaction_id");--> statement-breakpoint
CREATE INDEX "idx_interactions_user_id" ON "interactions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_interactions_contact_id" ON "interactions" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "idx_interactions_occurred_at" ON "interactions" USING btree ("occurred_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idx_interactions_type" ON "interactions" USING btree ("type");--> statement-breakpoint
CREATE INDEX "idx_interactions_user_updated_at" ON "interactions" USING btree ("user_id","updated_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "idx_group_memberships_contact_id" ON "group_memberships" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "idx_group_memberships_group_id" ON "group_memberships" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "idx_groups_user_id" ON "groups" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_project_attachments_project_id" ON "project_attachments" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "idx_project_related_contacts_contact_id" ON "project_related_contacts" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "idx_project_sections_project_id" ON "project_sections" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "idx_project_task_links_project_id" ON "project_task_links" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "idx_project_task_links_section_id" ON "project_task_links" USING btree ("section_id");--> statement-breakpoint
CREATE INDEX "idx_project_task_links_task_id" ON "project_task_links" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "idx_projects_user_id" ON "projects" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_projects_primary_contact_id" ON "projects" USING btree ("primary_contact_id");--> statement-breakpoint
CREATE INDEX "idx_projects_status" ON "projects" USING btree ("status");--> statement-breakpoint
CREATE INDEX "idx_projects_priority" ON "projects" USING btree ("priority");--> statement-breakpoint
CREATE INDEX "idx_projects_due_date" ON "projects" USING btree ("due_date") WHERE "projects"."due_date" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "idx_pipeline_items_user_id" ON "pipeline_items" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_pipeline_items_template_id" ON "pipeline_items" USING btree ("template_id");--> statement-breakpoint
CREATE INDEX "idx_pipeline_items_contact_id" ON "pipeline_items" USING btree ("contact_id");--> statement-breakpoint
CREATE INDEX "idx_pipeline_items_current_stage_id" ON "pipeline_items" USING btree ("current_stage_id");--> statement-breakpoint
CREATE INDEX "idx_pipeline_items_status" ON "pipeline_items" USING btree ("status");--> statement-breakpoint
CREATE INDEX "idx_pipeline_stage_templates_template_id" ON "pipeline_stage_templates" USING btree ("template_id");--> statement-breakpoint
CREATE INDEX "idx_pipeline_templates_user_id" ON "pipeline_templates" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_pipeline_templates_domain" ON "pipeline_templates" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "idx_sync_changes_user_seq" ON "sync_changes" USING btree ("user_id","seq");