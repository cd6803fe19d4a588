CREATE TABLE "sync_entity_writers" (
	"user_id" uuid NOT NULL,
	"entity_type" varchar(32) NOT NULL,
	"entity_id" uuid NOT NULL,
	"device_id" varchar(255) NOT NULL,
	"sync_version" integer NOT NULL,
	CONSTRAINT "sync_entity_writers_user_id_entity_type_entity_id_pk" PRIMARY KEY("user_id","entity_type","entity_id")
);
--> statement-breakpoint
ALTER TABLE "sync_entity_writers" ADD CONSTRAINT "sync_entity_writers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;