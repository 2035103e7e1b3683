-- A wallet's or receivable's cached balance is updated in place by every posting: the room left on each page lets
-- the new row version stay on its page (a HOT update), so a posting adds no index entries for it and leaves no dead
-- ones behind. New pages only: rows written before keep their pages until they move.
ALTER TABLE "ledger_accounts" SET (fillfactor = 70);--> statement-breakpoint
-- Only a reversal names the transfer it reverses: the index keeps no entry for every other transfer.
DROP INDEX "transfers_reverses";--> statement-breakpoint
CREATE INDEX "transfers_reverses" ON "transfers" USING btree ("reverses_id") WHERE "transfers"."reverses_id" is not null;
