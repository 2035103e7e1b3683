import { expect, it } from 'vitest';
import { alertStates, outbox } from '../../src/db/schema.js';
import { createAccount, linkChannel, updateAccountSettings } from '../../src/services/accounts.js';
import { checkAlerts } from '../../src/services/alerts.js';
import { recordReading } from '../../src/services/devices.js';
import { describeDatabases } from '../support/db.js';
import { fund, spend } from '../support/fixtures.js';

const TZ = 'UTC';
const day = (d: number, hour = 9) => new Date(Date.UTC(2026, 11, d, hour));

describeDatabases('low-balance alerts', (t) => {
  /** An account on standard with 100 devices: $200.00 a month. */
  const acme = async () => {
    const a = await createAccount(t.db, { name: 'Acme', planCode: 'standard', actor: 'U1', at: day(1, 0) });
    await linkChannel(t.db, 'C0ACME', a.id, 'U1');
    await recordReading(t.db, { accountId: a.id, count: 100, at: day(1, 0), by: 'U1' });
    return a;
  };
  const check = (now: Date) => checkAlerts(t.db, { now, timeZone: TZ });
  const messages = async () =>
    (await t.db.select().from(outbox)).map((m) => {
      const event = m.payload as { type: string; state?: string };
      return [m.channelId, event.type, event.state ?? null];
    });

  it('alerts once on each step down: ok → low → empty', async () => {
    const a = await acme();
    await fund(t.db, a.id, 100_000n); // 5 months
    expect(await check(day(2))).toEqual([]);
    await spend(t.db, a.id, 90_000n, 'u1'); // $100: half a month < 1.0
    expect(await check(day(3))).toEqual([{ accountId: a.id, from: 'ok', to: 'low', announced: true }]);
    await spend(t.db, a.id, 10_000n, 'u2');
    expect(await check(day(4))).toEqual([{ accountId: a.id, from: 'low', to: 'empty', announced: true }]);
    expect(await check(day(5))).toEqual([]);
    expect(await messages()).toEqual([
      ['C0ACME', 'low_balance', 'low'],
      ['C0ACME', 'low_balance', 'empty'],
    ]);
  });

  it('posts at most one alert a day per account', async () => {
    const a = await acme();
    await fund(t.db, a.id, 10_000n);
    await check(day(2, 9));
    await spend(t.db, a.id, 10_000n, 'u1');
    const sameDay = await check(day(2, 15));
    expect(sameDay).toEqual([{ accountId: a.id, from: 'low', to: 'empty', announced: false }]);
    expect(await messages()).toEqual([['C0ACME', 'low_balance', 'low']]);
    const [state] = await t.db.select().from(alertStates);
    expect(state).toMatchObject({ state: 'empty', lastAlertAt: day(2, 9) });
  });

  it('says "resolved" when a credit brings the balance back to ok', async () => {
    const a = await acme();
    await check(day(2)); // ok → empty: no balance, $200 a month
    await fund(t.db, a.id, 500_000n);
    expect(await check(day(2, 10))).toEqual([{ accountId: a.id, from: 'empty', to: 'ok', announced: true }]);
    expect(await messages()).toEqual([
      ['C0ACME', 'low_balance', 'empty'],
      ['C0ACME', 'alert_resolved', null],
    ]);
  });

  it('starts "low" at the account’s own threshold', async () => {
    const a = await acme();
    await fund(t.db, a.id, 50_000n); // 2.5 months
    expect(await check(day(2))).toEqual([]);
    await updateAccountSettings(t.db, a.id, { alertThresholdTenths: 30 });
    expect(await check(day(3))).toEqual([{ accountId: a.id, from: 'ok', to: 'low', announced: true }]);
  });

  it('sends alerts to the alert channel when one is set, and counts no devices as ok', async () => {
    const a = await acme();
    await updateAccountSettings(t.db, a.id, { alertChannelId: 'C0ALERTS' });
    await check(day(2));
    expect(await messages()).toEqual([['C0ALERTS', 'low_balance', 'empty']]);
    const quiet = await createAccount(t.db, {
      name: 'Quiet',
      planCode: 'standard',
      actor: 'U1',
      at: day(1, 0),
    });
    expect((await check(day(3))).find((c) => c.accountId === quiet.id)).toBeUndefined();
  });
});
