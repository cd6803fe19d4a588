CREATE TABLE "account_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"purpose" varchar(32) NOT NULL,
	"token_hash" varchar(64) NOT NULL,
	"email" varchar(255) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "account_tokens_token_hash_key" UNIQUE("token_hash"),
	CONSTRAINT "valid_purpose" CHECK ("account_tokens"."purpose" IN ('password_reset', 'email_verify', 'email_change'))
);
--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD COLUMN "previous_generation" varchar(64);--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD COLUMN "user_agent" varchar(512);--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD COLUMN "ip_address" varchar(64);--> statement-breakpoint
ALTER TABLE "account_tokens" ADD CONSTRAINT "account_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_account_tokens_user_id" ON "account_tokens" USING btree ("user_id");