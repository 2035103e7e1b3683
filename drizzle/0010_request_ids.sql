CREATE TABLE "code_batches" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "code_batches_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"request_id" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"count" integer NOT NULL,
	"expires_at" timestamp with time zone,
	"note" text,
	"quote_id" bigint,
	"issued_by" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	CONSTRAINT "code_batches_count" CHECK ("code_batches"."count" between 1 and 500),
	CONSTRAINT "code_batches_amount_positive" CHECK ("code_batches"."amount_cents" > 0)
);
--> statement-breakpoint
ALTER TABLE "codes" ADD COLUMN "batch_id" bigint;--> statement-breakpoint
ALTER TABLE "quotes" ADD COLUMN "request_id" text;--> statement-breakpoint
ALTER TABLE "code_batches" ADD CONSTRAINT "code_batches_quote_id_quotes_id_fk" FOREIGN KEY ("quote_id") REFERENCES "public"."quotes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "code_batches_request" ON "code_batches" USING btree ("request_id");--> statement-breakpoint
ALTER TABLE "codes" ADD CONSTRAINT "codes_batch_id_code_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."code_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "codes_batch" ON "codes" USING btree ("batch_id");--> statement-breakpoint
CREATE UNIQUE INDEX "quotes_request" ON "quotes" USING btree ("request_id");