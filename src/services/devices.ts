import { and, asc, desc, eq, gte, lt, lte } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { deviceReadings, type ReadingSource } from '../db/schema.js';
import { monthStart, nextMonth } from '../domain/billing-month.js';
import { billedDeviceCount } from '../domain/devices.js';

export type DeviceReading = typeof deviceReadings.$inferSelect;

/** Records a reading; `source` is `manual` (typed) unless said otherwise. */
export async function recordReading(
  db: Db,
  input: { accountId: number; count: number; at: Date; by: string; source?: ReadingSource },
): Promise<DeviceReading> {
  const [row] = await db
    .insert(deviceReadings)
    .values({
      accountId: input.accountId,
      count: input.count,
      effectiveAt: input.at,
      recordedBy: input.by,
      source: input.source ?? 'manual',
    })
    .returning();
  return row!;
}

/** The reading in effect at `at`: the latest one at or before it (undefined before the first reading). */
export async function readingAt(db: Db, accountId: number, at: Date): Promise<DeviceReading | undefined> {
  const [row] = await db
    .select()
    .from(deviceReadings)
    .where(and(eq(deviceReadings.accountId, accountId), lte(deviceReadings.effectiveAt, at)))
    .orderBy(desc(deviceReadings.effectiveAt), desc(deviceReadings.id))
    .limit(1);
  return row;
}

export interface MonthOfReadings {
  month: string;
  /** The reading carried in from before the month, which counts until the next one. */
  carriedIn: DeviceReading | undefined;
  /** Readings taken in the month up to `upTo`, oldest first. */
  readings: DeviceReading[];
  /** The highest count in effect at any time of the month so far: what the month bills (SPEC §8). */
  billedCount: number;
}

export async function readingsOfMonth(
  db: Db,
  accountId: number,
  month: string,
  timeZone: string,
  upTo?: Date,
): Promise<MonthOfReadings> {
  const start = monthStart(month, timeZone);
  const end = monthStart(nextMonth(month), timeZone);
  const until = upTo && upTo < end ? upTo : end;
  const [carriedIn, readings] = await Promise.all([
    readingAt(db, accountId, new Date(start.getTime() - 1)),
    db
      .select()
      .from(deviceReadings)
      .where(
        and(
          eq(deviceReadings.accountId, accountId),
          gte(deviceReadings.effectiveAt, start),
          until === end ? lt(deviceReadings.effectiveAt, end) : lte(deviceReadings.effectiveAt, until),
        ),
      )
      .orderBy(asc(deviceReadings.effectiveAt), asc(deviceReadings.id)),
  ]);
  const billedCount = billedDeviceCount(
    carriedIn?.count,
    readings.map((r) => r.count),
  );
  return { month, carriedIn, readings, billedCount };
}
