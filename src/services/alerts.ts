import { type SQL, sql } from 'drizzle-orm';
import { at, type Db, queryRows, toBigInt } from '../db/client.js';
import { localDate, monthOf } from '../domain/billing-month.js';
import type { LowBalanceState } from '../domain/runway.js';
import { enqueue, type OutboxItem } from './outbox.js';
import { coveredDevices, deviceCountAt, lowBalanceState, monthlyCost } from './sql/billing-rules.js';

const RANK: Record<LowBalanceState, number> = { ok: 0, low: 1, empty: 2 };

export interface AlertChange {
  accountId: number;
  from: LowBalanceState;
  to: LowBalanceState;
  /** Whether a message was written (an alert, or a "resolved" note). */
  announced: boolean;
}

interface StateRow {
  account_id: unknown;
  channel: string | null;
  balance: unknown;
  monthly: unknown;
  threshold: number;
  state: LowBalanceState;
  previous: LowBalanceState;
  last_alert_at: Date | string | null;
}

/**
 * Re-checks the low-balance state of some accounts, or all (SPEC §9), in one query. A step down (ok→low, low→empty,
 * ok→empty) writes an alert to the outbox, at most one a day per account; a return to ok after an alert writes a
 * "resolved" note. The state and the monthly cost are the domain's rules, in their SQL form (./sql/billing-rules.ts).
 */
export async function checkAlerts(
  db: Db,
  input: { accountIds?: number[]; now: Date; timeZone: string },
): Promise<AlertChange[]> {
  if (input.accountIds?.length === 0) return [];
  const month = monthOf(input.now, input.timeZone);
  const ids = input.accountIds;
  // The accounts are read by index from the ids, their states by an index range over the same ids. Matching the states
  // to the ids as well (`= any`) scanned every state once the prepared statement's generic plan took over, comparing
  // each to every id: an invoice run's chunk cost grew with the states of the chunks before it.
  const onlyAccounts = ids ? sql`and a.id = any(${`{${ids.join(',')}}`}::bigint[])` : sql``;
  const onlyStates = ids ? sql`and s.account_id between ${idRange(ids)}` : sql``;
  const rows = await queryRows<StateRow>(
    db,
    sql`with figures as materialized (
          select a.id, coalesce(a.alert_channel_id, a.billing_channel_id) as channel, w.balance,
                 a.alert_threshold_tenths as threshold,
                 ${monthlyCost(deviceCountAt(sql`a.id`, input.now), coveredDevices(sql`a.id`, month), sql`p.price_cents`)}
                   as monthly,
                 coalesce(s.state, 'ok') as previous, s.last_alert_at
          from accounts a
          join plans p on p.code = a.plan_code
          join ledger_accounts w on w.account_id = a.id and w.kind = 'wallet'
          left join alert_states s on s.account_id = a.id ${onlyStates}
          where true ${onlyAccounts}
        ), states as (
          select *, ${lowBalanceState(sql`balance`, sql`monthly`, sql`threshold`)} as state
          from figures
        )
        select id as account_id, channel, balance, monthly, threshold, state, previous, last_alert_at
        from states where state <> previous`,
  );
  if (rows.length === 0) return [];
  const today = localDate(input.now, input.timeZone);
  const changes: AlertChange[] = [];
  const messages: OutboxItem[] = [];
  for (const row of rows) {
    const accountId = Number(row.account_id);
    const down = RANK[row.state] > RANK[row.previous];
    const alertedToday =
      row.last_alert_at !== null && localDate(new Date(row.last_alert_at), input.timeZone) === today;
    const figures = {
      balanceCents: toBigInt(row.balance).toString(),
      monthlyCents: toBigInt(row.monthly).toString(),
      at: input.now.toISOString(),
    };
    let announced = false;
    if (down && !alertedToday && row.channel) {
      messages.push({
        dedupeKey: `alert:${accountId}:${row.state}:${today}`,
        channelId: row.channel,
        event: {
          type: 'low_balance',
          accountId,
          state: row.state as 'low' | 'empty',
          thresholdTenths: row.threshold,
          ...figures,
        },
      });
      announced = true;
    } else if (row.state === 'ok' && row.channel) {
      messages.push({
        dedupeKey: `alert-resolved:${accountId}:${input.now.toISOString()}`,
        channelId: row.channel,
        event: { type: 'alert_resolved', accountId, ...figures },
      });
      announced = true;
    }
    changes.push({ accountId, from: row.previous, to: row.state, announced });
  }
  await saveStates(db, changes, input.now);
  await enqueue(db, messages, input.now);
  return changes;
}

/** `lowest and highest` of some ids (not spread into Math.min: a list can be long). */
function idRange(ids: number[]): SQL {
  const low = ids.reduce((m, id) => Math.min(m, id));
  const high = ids.reduce((m, id) => Math.max(m, id));
  return sql`${low}::bigint and ${high}::bigint`;
}

async function saveStates(db: Db, changes: AlertChange[], now: Date): Promise<void> {
  const rows = changes.map((c) => ({
    account_id: c.accountId,
    state: c.to,
    alerted: c.announced && c.to !== 'ok',
  }));
  await db.execute(sql`
    insert into alert_states (account_id, state, changed_at, last_alert_at)
    select x.account_id, x.state, ${at(now)}, case when x.alerted then ${at(now)} end
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(account_id bigint, state text, alerted boolean)
    on conflict (account_id) do update
      set state = excluded.state, changed_at = excluded.changed_at,
          last_alert_at = coalesce(excluded.last_alert_at, alert_states.last_alert_at)`);
}
