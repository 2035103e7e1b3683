import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';

/**
 * The next number of a gapless series (`quote:2026`, `invoice:2026`). The counter row stays locked until the
 * caller's transaction ends, and a rollback takes the number back with it, so numbers are never skipped or reused.
 * Call it inside the transaction that writes the numbered row.
 */
export async function nextInSequence(db: Db, scope: string): Promise<number> {
  const [row] = await queryRows<{ last: number | string }>(
    db,
    sql`insert into number_sequences (scope, last) values (${scope}, 1)
        on conflict (scope) do update set last = number_sequences.last + 1
        returning last`,
  );
  return Number(row!.last);
}
