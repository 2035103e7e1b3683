import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../../src/db/client.js';

/**
 * Row counts of every table in ONE statement (the support's `tableCounts` runs one query per table: too slow to call
 * thousands of times in a property test). Same shape: table name → rows.
 */
export async function fastCounts(db: Db): Promise<Record<string, number>> {
  const tables = await queryRows<{ tablename: string }>(
    db,
    sql`select tablename from pg_tables where schemaname = 'public' order by tablename`,
  );
  const parts = tables.map((t) => `'${t.tablename}', (select count(*) from "${t.tablename}")`).join(', ');
  const [row] = await queryRows<{ counts: unknown }>(
    db,
    sql.raw(`select json_build_object(${parts}) as counts`),
  );
  const raw = typeof row?.counts === 'string' ? JSON.parse(row.counts) : row?.counts;
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, Number(v)]));
}
