import { and, eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { jobLeases } from '../db/schema.js';

/**
 * Leases that let one process at a time run a job (the invoice run, the device sync) across replicas. A lease left by
 * a crashed process runs out and is taken over. Expiry is the database's real time, never `--now`.
 */
export async function takeLease(db: Db, name: string, holder: string, ms: number): Promise<boolean> {
  const rows = await queryRows<{ holder: string }>(
    db,
    sql`insert into job_leases (name, holder, expires_at)
        values (${name}, ${holder}, now() + ${`${ms} milliseconds`}::interval)
        on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
          where job_leases.expires_at < now()
        returning holder`,
  );
  return rows.length === 1;
}

/** Extends a held lease; throws when another process has taken it over (this one ran past its expiry). */
export async function renewLease(db: Db, name: string, holder: string, ms: number): Promise<void> {
  const renewed = await db
    .update(jobLeases)
    .set({ expiresAt: sql`now() + ${`${ms} milliseconds`}::interval` })
    .where(and(eq(jobLeases.name, name), eq(jobLeases.holder, holder)))
    .returning();
  if (renewed.length === 0) throw new Error(`the job "${name}" lost its lease to another process`);
}

export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.delete(jobLeases).where(and(eq(jobLeases.name, name), eq(jobLeases.holder, holder)));
}

/** Runs `work` under the lease, or returns `busy` when another process holds it. The lease is released after. */
export async function withLease<T>(
  db: Db,
  lease: { name: string; holder: string; ms: number },
  work: () => Promise<T>,
): Promise<{ kind: 'busy' } | { kind: 'ran'; result: T }> {
  if (!(await takeLease(db, lease.name, lease.holder, lease.ms))) return { kind: 'busy' };
  try {
    return { kind: 'ran', result: await work() };
  } finally {
    await releaseLease(db, lease.name, lease.holder);
  }
}
