CREATE TABLE "invoice_reminders" (
	"invoice_id" bigint NOT NULL,
	"day" integer NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	CONSTRAINT "invoice_reminders_invoice_id_day_pk" PRIMARY KEY("invoice_id","day")
);
--> statement-breakpoint
CREATE TABLE "invoice_settlements" (
	"transfer_id" bigint PRIMARY KEY NOT NULL,
	"invoice_id" bigint NOT NULL,
	"credit_transfer_id" bigint
);
--> statement-breakpoint
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_status";--> statement-breakpoint
ALTER TABLE "ledger_accounts" DROP CONSTRAINT "ledger_accounts_wallet_has_owner";--> statement-breakpoint
ALTER TABLE "ledger_accounts" DROP CONSTRAINT "ledger_accounts_wallet_has_balance";--> statement-breakpoint
ALTER TABLE "ledger_accounts" DROP CONSTRAINT "ledger_accounts_kind";--> statement-breakpoint
ALTER TABLE "ledger_accounts" DROP CONSTRAINT "ledger_accounts_wallet_not_negative";--> statement-breakpoint
DROP INDEX "ledger_accounts_wallet";--> statement-breakpoint
DROP INDEX "ledger_accounts_system_kind";--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "suspended_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "issue_date" date;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "due_date" date;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "outstanding_cents" bigint;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "due_transfer_id" bigint;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "written_off_by" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "written_off_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "write_off_reason" text;--> statement-breakpoint
ALTER TABLE "invoice_reminders" ADD CONSTRAINT "invoice_reminders_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_settlements" ADD CONSTRAINT "invoice_settlements_transfer_id_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_settlements" ADD CONSTRAINT "invoice_settlements_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_settlements" ADD CONSTRAINT "invoice_settlements_credit_transfer_id_transfers_id_fk" FOREIGN KEY ("credit_transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invoice_settlements_invoice" ON "invoice_settlements" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "invoice_settlements_credit" ON "invoice_settlements" USING btree ("credit_transfer_id");--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_due_transfer_id_transfers_id_fk" FOREIGN KEY ("due_transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invoices_open" ON "invoices" USING btree ("account_id","month") WHERE "invoices"."outstanding_cents" > 0;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_accounts_owner_kind" ON "ledger_accounts" USING btree ("account_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_accounts_system_kind" ON "ledger_accounts" USING btree ("kind") WHERE "ledger_accounts"."kind" not in ('wallet', 'receivable');--> statement-breakpoint
-- Hand-written (SPEC §14): existing accounts get their receivable, and an amount due left on an existing invoice
-- becomes a debt in the ledger, as the invoice run now posts it (`due:<account>:<month>`, receivable →
-- usage_revenue, at the invoice's time), so revenue holds the full charge and verify's receivable checks hold.
-- The issue date of an existing invoice is its UTC date (the billing time zone is not known here); it is due
-- PAYMENT_TERMS_DAYS' default of 7 days later.
INSERT INTO "ledger_accounts" ("kind", "account_id", "balance")
  SELECT 'receivable', a."id", 0 FROM "accounts" a
  WHERE NOT EXISTS (SELECT 1 FROM "ledger_accounts" r WHERE r."account_id" = a."id" AND r."kind" = 'receivable');--> statement-breakpoint
INSERT INTO "transfers" ("idempotency_key", "from_ledger_id", "to_ledger_id", "amount", "actor", "memo", "created_at")
  SELECT 'due:' || i."account_id" || ':' || i."month", r."id",
         (SELECT u."id" FROM "ledger_accounts" u WHERE u."kind" = 'usage_revenue'), i."amount_due_cents", 'system',
         'Amount due ' || i."month" || ': ' || i."billable_devices" || ' devices', i."created_at"
  FROM "invoices" i JOIN "ledger_accounts" r ON r."account_id" = i."account_id" AND r."kind" = 'receivable'
  WHERE i."amount_due_cents" > 0
  ON CONFLICT ("idempotency_key") DO NOTHING;--> statement-breakpoint
UPDATE "ledger_accounts" r SET "balance" = -d."owed"
  FROM (SELECT "account_id", sum("amount_due_cents") AS "owed" FROM "invoices" GROUP BY "account_id") d
  WHERE r."kind" = 'receivable' AND r."account_id" = d."account_id";--> statement-breakpoint
UPDATE "invoices" i SET "issue_date" = (i."created_at" AT TIME ZONE 'UTC')::date,
    "due_date" = (i."created_at" AT TIME ZONE 'UTC')::date + 7,
    "outstanding_cents" = i."amount_due_cents",
    "due_transfer_id" = (SELECT t."id" FROM "transfers" t
                         WHERE t."idempotency_key" = 'due:' || i."account_id" || ':' || i."month"
                           AND i."amount_due_cents" > 0);--> statement-breakpoint
ALTER TABLE "invoices" ALTER COLUMN "issue_date" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ALTER COLUMN "due_date" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ALTER COLUMN "outstanding_cents" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_outstanding" CHECK ("invoices"."outstanding_cents" between 0 and "invoices"."amount_due_cents");--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_write_off" CHECK (("invoices"."written_off_at" is null) = ("invoices"."written_off_by" is null)
          and ("invoices"."written_off_at" is null) = ("invoices"."write_off_reason" is null)
          and ("invoices"."written_off_at" is null or "invoices"."outstanding_cents" = 0));--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_due_after_issue" CHECK ("invoices"."due_date" >= "invoices"."issue_date");--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_due_transfer" CHECK (("invoices"."amount_due_cents" > 0) = ("invoices"."due_transfer_id" is not null));--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_status" CHECK ("invoices"."status" = case when "invoices"."written_off_at" is not null then 'written_off'
                              when "invoices"."outstanding_cents" = 0 then 'paid' else 'due' end);--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_owned_has_owner" CHECK (("ledger_accounts"."kind" in ('wallet', 'receivable')) = ("ledger_accounts"."account_id" is not null));--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_owned_has_balance" CHECK (("ledger_accounts"."kind" in ('wallet', 'receivable')) = ("ledger_accounts"."balance" is not null));--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_receivable_not_positive" CHECK ("ledger_accounts"."kind" <> 'receivable' or "ledger_accounts"."balance" <= 0);--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_kind" CHECK ("ledger_accounts"."kind" in ('wallet', 'receivable', 'payments', 'codes', 'license_packs', 'usage_revenue', 'adjustments', 'offline_payments', 'bad_debt'));--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_wallet_not_negative" CHECK ("ledger_accounts"."kind" <> 'wallet' or "ledger_accounts"."balance" >= 0);