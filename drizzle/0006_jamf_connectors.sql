CREATE TABLE "jamf_connectors" (
	"account_id" bigint PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"client_id" text NOT NULL,
	"client_secret_sealed" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"last_sync_at" timestamp with time zone,
	"last_computers" integer,
	"last_mobile_devices" integer,
	"last_error" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"failing_since" timestamp with time zone,
	CONSTRAINT "jamf_connectors_url" CHECK ("jamf_connectors"."url" ~ '^https?://[^/?#@[:space:]]+$'),
	CONSTRAINT "jamf_connectors_sealed" CHECK ("jamf_connectors"."client_secret_sealed" like 'v1:%'),
	CONSTRAINT "jamf_connectors_failures" CHECK ("jamf_connectors"."consecutive_failures" >= 0),
	CONSTRAINT "jamf_connectors_failing" CHECK (("jamf_connectors"."consecutive_failures" = 0) = ("jamf_connectors"."failing_since" is null and "jamf_connectors"."last_error" is null))
);
--> statement-breakpoint
ALTER TABLE "device_readings" ADD COLUMN "source" text DEFAULT 'manual' NOT NULL;--> statement-breakpoint
ALTER TABLE "jamf_connectors" ADD CONSTRAINT "jamf_connectors_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_readings" ADD CONSTRAINT "device_readings_source" CHECK ("device_readings"."source" in ('manual', 'api', 'jamf'));