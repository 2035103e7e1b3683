CREATE TABLE "auto_reload_charges" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "auto_reload_charges_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_id" bigint NOT NULL,
	"trigger" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"decline_reason" text,
	"billing_month" text NOT NULL,
	"payment_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"payment_method_id" text NOT NULL,
	"provider_ref" text,
	"created_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "auto_reload_charges_amount_positive" CHECK ("auto_reload_charges"."amount_cents" > 0),
	CONSTRAINT "auto_reload_charges_state" CHECK ("auto_reload_charges"."state" in ('pending', 'succeeded', 'declined', 'abandoned')),
	CONSTRAINT "auto_reload_charges_resolved" CHECK (("auto_reload_charges"."state" = 'pending') = ("auto_reload_charges"."resolved_at" is null))
);
--> statement-breakpoint
CREATE TABLE "auto_reload_settings" (
	"account_id" bigint PRIMARY KEY NOT NULL,
	"enabled" boolean NOT NULL,
	"threshold_tenths" integer NOT NULL,
	"amount_cents" bigint NOT NULL,
	"max_per_month" integer DEFAULT 2 NOT NULL,
	"below_since" timestamp with time zone,
	"consecutive_declines" integer DEFAULT 0 NOT NULL,
	"paused_until" timestamp with time zone,
	"disabled_reason" text,
	"disabled_at" timestamp with time zone,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "auto_reload_threshold" CHECK ("auto_reload_settings"."threshold_tenths" between 1 and 240),
	CONSTRAINT "auto_reload_amount_positive" CHECK ("auto_reload_settings"."amount_cents" > 0),
	CONSTRAINT "auto_reload_max_per_month" CHECK ("auto_reload_settings"."max_per_month" between 1 and 10),
	CONSTRAINT "auto_reload_declines" CHECK ("auto_reload_settings"."consecutive_declines" >= 0)
);
--> statement-breakpoint
CREATE TABLE "provider_customers" (
	"account_id" bigint NOT NULL,
	"provider" text NOT NULL,
	"request_key" text NOT NULL,
	"customer_id" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "provider_customers_account_id_provider_pk" PRIMARY KEY("account_id","provider")
);
--> statement-breakpoint
CREATE TABLE "sandbox_charges" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"payment_method_id" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"outcome" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "saved_cards" (
	"account_id" bigint PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"customer_id" text NOT NULL,
	"payment_method_id" text NOT NULL,
	"brand" text NOT NULL,
	"last4" text NOT NULL,
	"exp_month" integer NOT NULL,
	"exp_year" integer NOT NULL,
	"payment_id" text NOT NULL,
	"saved_at" timestamp with time zone NOT NULL,
	CONSTRAINT "saved_cards_last4" CHECK ("saved_cards"."last4" ~ '^[0-9]{4}$'),
	CONSTRAINT "saved_cards_exp" CHECK ("saved_cards"."exp_month" between 1 and 12 and "saved_cards"."exp_year" between 2000 and 2200)
);
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "save_card" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "auto_reload_charges" ADD CONSTRAINT "auto_reload_charges_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auto_reload_charges" ADD CONSTRAINT "auto_reload_charges_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auto_reload_settings" ADD CONSTRAINT "auto_reload_settings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_customers" ADD CONSTRAINT "provider_customers_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_cards" ADD CONSTRAINT "saved_cards_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "auto_reload_charges_key" ON "auto_reload_charges" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "auto_reload_charges_payment" ON "auto_reload_charges" USING btree ("payment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "auto_reload_charges_one_in_flight" ON "auto_reload_charges" USING btree ("account_id") WHERE "auto_reload_charges"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "auto_reload_charges_account_month" ON "auto_reload_charges" USING btree ("account_id","billing_month");