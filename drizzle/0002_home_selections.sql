CREATE TABLE "home_selections" (
	"user_id" text PRIMARY KEY NOT NULL,
	"account_id" bigint NOT NULL,
	"selected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "home_selections" ADD CONSTRAINT "home_selections_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "home_selections_account" ON "home_selections" USING btree ("account_id");