CREATE TABLE "codes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "codes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"hash" text NOT NULL,
	"last4" text NOT NULL,
	"amount_cents" bigint,
	"devices" integer,
	"months" integer,
	"plan_code" text,
	"status" text DEFAULT 'issued' NOT NULL,
	"expires_at" timestamp with time zone,
	"note" text,
	"quote_id" bigint,
	"issued_by" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"redeemed_by" text,
	"redeemed_account_id" bigint,
	"redeemed_at" timestamp with time zone,
	"transfer_id" bigint,
	"voided_by" text,
	"voided_at" timestamp with time zone,
	CONSTRAINT "codes_kind" CHECK ("codes"."kind" in ('balance', 'license_pack')),
	CONSTRAINT "codes_status" CHECK ("codes"."status" in ('issued', 'redeemed', 'void')),
	CONSTRAINT "codes_kind_fields" CHECK (("codes"."kind" = 'balance' and "codes"."amount_cents" > 0 and "codes"."devices" is null)
          or ("codes"."kind" = 'license_pack' and "codes"."amount_cents" is null and "codes"."devices" between 1 and 1000000
              and "codes"."months" between 1 and 120 and "codes"."plan_code" is not null)),
	CONSTRAINT "codes_redeemed_fields" CHECK (("codes"."status" = 'redeemed') = ("codes"."redeemed_at" is not null and "codes"."redeemed_account_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "license_packs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "license_packs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"code_id" bigint NOT NULL,
	"account_id" bigint NOT NULL,
	"devices" integer NOT NULL,
	"start_month" text NOT NULL,
	"end_month" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "license_packs_months" CHECK ("license_packs"."start_month" <= "license_packs"."end_month")
);
--> statement-breakpoint
CREATE TABLE "redemption_failures" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "redemption_failures_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" text NOT NULL,
	"account_id" bigint,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "codes" ADD CONSTRAINT "codes_plan_code_plans_code_fk" FOREIGN KEY ("plan_code") REFERENCES "public"."plans"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "codes" ADD CONSTRAINT "codes_quote_id_quotes_id_fk" FOREIGN KEY ("quote_id") REFERENCES "public"."quotes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "codes" ADD CONSTRAINT "codes_redeemed_account_id_accounts_id_fk" FOREIGN KEY ("redeemed_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "codes" ADD CONSTRAINT "codes_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "license_packs" ADD CONSTRAINT "license_packs_code_id_codes_id_fk" FOREIGN KEY ("code_id") REFERENCES "public"."codes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "license_packs" ADD CONSTRAINT "license_packs_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "redemption_failures" ADD CONSTRAINT "redemption_failures_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "codes_hash" ON "codes" USING btree ("hash");--> statement-breakpoint
CREATE UNIQUE INDEX "codes_quote" ON "codes" USING btree ("quote_id");--> statement-breakpoint
CREATE INDEX "codes_last4" ON "codes" USING btree ("last4");--> statement-breakpoint
CREATE INDEX "codes_status_issued_at" ON "codes" USING btree ("status","issued_at");--> statement-breakpoint
CREATE UNIQUE INDEX "license_packs_code" ON "license_packs" USING btree ("code_id");--> statement-breakpoint
CREATE INDEX "license_packs_account" ON "license_packs" USING btree ("account_id","start_month","end_month");--> statement-breakpoint
CREATE INDEX "redemption_failures_user_at" ON "redemption_failures" USING btree ("user_id","at");--> statement-breakpoint
CREATE INDEX "redemption_failures_account_at" ON "redemption_failures" USING btree ("account_id","at");