-- What every process caches of who may do what (src/services/directory.ts) is good only while this stands still:
-- each statement on the tables below moves it on at once (a sequence is not transactional) and, at commit,
-- announces the change on `balance_directory` to every replica listening.
CREATE SEQUENCE "public"."directory_version" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;
--> statement-breakpoint
CREATE FUNCTION "directory_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('directory_version');
  PERFORM pg_notify('balance_directory', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "user_roles_directory" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "user_roles"
  FOR EACH STATEMENT EXECUTE FUNCTION "directory_changed"();
--> statement-breakpoint
CREATE TRIGGER "account_admins_directory" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "account_admins"
  FOR EACH STATEMENT EXECUTE FUNCTION "directory_changed"();
--> statement-breakpoint
CREATE TRIGGER "channel_links_directory" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "channel_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "directory_changed"();
--> statement-breakpoint
CREATE TRIGGER "plans_directory" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "plans"
  FOR EACH STATEMENT EXECUTE FUNCTION "directory_changed"();
--> statement-breakpoint
CREATE TRIGGER "accounts_directory" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "accounts"
  FOR EACH STATEMENT EXECUTE FUNCTION "directory_changed"();
