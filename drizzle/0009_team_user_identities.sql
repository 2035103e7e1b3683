-- Roles, account admins and Home selections name a (team id, user id) pair (SPEC §11). The rows written before
-- this migration hold only a user id: they were granted in the one workspace the app is installed in, which the
-- database does not know (it is learned from SLACK_TEAM_ID or auth.test when the app starts). They get the
-- placeholder team 'installed', which no Slack team id can equal (those are upper case, T…), so until the app
-- resolves them they match no request; the app's start claims them for the installed team before it serves
-- (claimInstalledTeam in src/services/roles.ts).
ALTER TABLE "account_admins" ADD COLUMN "team_id" text DEFAULT 'installed' NOT NULL;--> statement-breakpoint
ALTER TABLE "account_admins" ALTER COLUMN "team_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "user_roles" ADD COLUMN "team_id" text DEFAULT 'installed' NOT NULL;--> statement-breakpoint
ALTER TABLE "user_roles" ALTER COLUMN "team_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "home_selections" ADD COLUMN "team_id" text DEFAULT 'installed' NOT NULL;--> statement-breakpoint
ALTER TABLE "home_selections" ALTER COLUMN "team_id" DROP DEFAULT;--> statement-breakpoint
DROP INDEX "account_admins_user";--> statement-breakpoint
ALTER TABLE "account_admins" DROP CONSTRAINT "account_admins_account_id_user_id_pk";--> statement-breakpoint
ALTER TABLE "user_roles" DROP CONSTRAINT "user_roles_user_id_role_pk";--> statement-breakpoint
ALTER TABLE "home_selections" DROP CONSTRAINT "home_selections_pkey";--> statement-breakpoint
ALTER TABLE "account_admins" ADD CONSTRAINT "account_admins_account_id_team_id_user_id_pk" PRIMARY KEY("account_id","team_id","user_id");--> statement-breakpoint
ALTER TABLE "home_selections" ADD CONSTRAINT "home_selections_team_id_user_id_pk" PRIMARY KEY("team_id","user_id");--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_team_id_user_id_role_pk" PRIMARY KEY("team_id","user_id","role");--> statement-breakpoint
CREATE INDEX "account_admins_person" ON "account_admins" USING btree ("team_id","user_id");
