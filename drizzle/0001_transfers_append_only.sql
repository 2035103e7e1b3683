-- A posted transfer is never updated or deleted: corrections are reversing transfers (SPEC §2).
CREATE FUNCTION balance_refuse_transfer_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'transfers are append-only: % refused on transfer %', TG_OP, OLD.id
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
  FOR EACH ROW EXECUTE FUNCTION balance_refuse_transfer_change();
