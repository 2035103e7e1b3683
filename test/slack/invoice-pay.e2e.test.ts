import { eq } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACTION } from '../../src/app/ids.js';
import { invoices, payments } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { getAccount } from '../../src/services/accounts.js';
import { reviewSuspensions } from '../../src/services/collections.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { owe } from '../support/fixtures.js';
import { ACME_CHANNEL, PEOPLE, seedPeople, TEAM } from '../support/people.js';
import { responseUrl, type SlackHarness, slackApi, startSlack } from '../support/slack.js';

type Reply = { text: string; blocks?: unknown[] };

// The harness's clock stands at 2026-11-26T10:00:00Z.
describeDatabases('the Pay button on invoices, status and Home, through Slack', (t) => {
  let slack: SlackHarness;
  let acmeId: number;
  let number: string;
  let posts: unknown[];
  let published: unknown[];
  beforeEach(async () => {
    slack = await startSlack(t.db);
    const { acme } = await seedPeople(t.db);
    acmeId = acme.id;
    published = slackApi('views.publish', {}, 50);
    posts = slackApi('chat.postMessage', { ts: '1.1', channel: ACME_CHANNEL }, 20);
    number = (
      await owe(t.db, acme.id, 19_000n, { month: '2026-10', issueDate: '2026-11-01', dueDate: '2026-11-08' })
    ).number;
    await reviewSuspensions(t.db, { now: new Date('2026-11-26T09:00:00Z'), timeZone: 'UTC' });
    await slack.settle();
    posts.length = 0;
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const command = async (text: string, who: keyof typeof PEOPLE) =>
    (await (await slack.command(text, { userId: PEOPLE[who], channelId: ACME_CHANNEL })).json()) as Reply;
  const payButtonsOf = (reply: Reply) =>
    JSON.stringify(reply.blocks ?? []).match(
      /"action_id":"invoice_pay","text":\{[^}]*"text":"([^"]+)"[^}]*\},"value":"([^"]+)"/g,
    ) ?? [];
  const click = (who: keyof typeof PEOPLE, value: string, triggerId = 'trigger.pay') =>
    slack.interaction({
      type: 'block_actions',
      user: { id: PEOPLE[who], team_id: TEAM },
      api_app_id: 'A1',
      trigger_id: triggerId,
      channel: { id: ACME_CHANNEL },
      container: { type: 'message', channel_id: ACME_CHANNEL, message_ts: '1764150000.000300' },
      response_url: 'http://slack.test/respond/1',
      actions: [{ type: 'button', action_id: ACTION.payInvoice, block_id: `invoice_pay:${value}`, value }],
    });

  it('status says the account is suspended and what restores it; an admin gets the Pay button, finance does not', async () => {
    const admin = await command('status', 'admin');
    expect(admin.text).toContain('⛔ Suspended since 2026-11-26: pay $190.00 to restore.');
    expect(payButtonsOf(admin)).toHaveLength(1);
    expect(JSON.stringify(admin.blocks)).toContain(`"text":"Pay $190.00 · ${number}"`);
    const finance = await command('status', 'finance');
    expect(finance.text).toContain('⛔ Suspended since 2026-11-26');
    expect(payButtonsOf(finance)).toHaveLength(0);
    const list = await command('invoices', 'admin');
    expect(list.text).toContain(`${number} · October 2026 · $190.00 · $190.00 outstanding`);
    expect(payButtonsOf(list)).toHaveLength(1);
  });

  it('the click opens the Pay step for exactly the outstanding amount; paying it settles the invoice and restores the account', async () => {
    const opened = slackApi('views.open');
    await click('admin', number);
    await expect.poll(() => opened.length).toBe(1);
    const view = JSON.stringify((opened[0] as { view: unknown }).view);
    expect(view).toContain('Pay *$190.00* for *Acme*');
    const [payment] = await t.db.select().from(payments);
    expect(payment).toMatchObject({
      accountId: acmeId,
      amountCents: 19_000n,
      status: 'pending',
      description: `invoice ${number}`,
    });
    expect(view).toContain(`/pay/sandbox/${payment!.id}`);

    // A retried click (the same trigger) is the same checkout.
    const again = slackApi('views.open');
    await click('admin', number);
    await expect.poll(() => again.length).toBe(1);
    expect(await t.db.select().from(payments)).toHaveLength(1);

    const paid = await fetch(`${slack.url}/pay/sandbox/${payment!.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=pay',
    });
    expect(paid.status).toBe(200);
    await slack.settle();
    const [invoice] = await t.db.select().from(invoices).where(eq(invoices.number, number));
    expect(invoice).toMatchObject({ status: 'paid', outstandingCents: 0n });
    expect(await walletBalance(t.db, acmeId)).toBe(0n);
    expect((await getAccount(t.db, acmeId))?.suspendedSince).toBeNull();
    const texts = posts.map((p) => (p as { text: string }).text);
    // The payer's DM and the billing channel say what was settled and what is left.
    expect(texts).toContain(
      `Your reload of $190.00 for Acme has landed · $190.00 paid ${number} (now paid) · the account is restored. New balance: $0.00.\nPayment id \`${payment!.id}\``,
    );
    expect(texts).toContain(
      `<@${PEOPLE.admin}> reloaded $190.00 by card · $190.00 paid ${number} (now paid) · the account is restored. Balance: $0.00.\nPayment id \`${payment!.id}\``,
    );
    expect(texts.some((x) => x.includes('is restored: nothing is overdue any more'))).toBe(true);
    // Nothing is owed any more: no Pay button on status.
    const status = await command('status', 'admin');
    expect(status.text).not.toContain('Suspended');
    expect(payButtonsOf(status)).toHaveLength(0);
  });

  it('the Home tab says so too, with the Pay button for the admin and without it for finance', async () => {
    const homeOf = async (who: keyof typeof PEOPLE) => {
      published.length = 0;
      await slack.event({ type: 'app_home_opened', user: PEOPLE[who], channel: 'D1', tab: 'home' });
      await expect.poll(() => published.length).toBe(1);
      return JSON.stringify(published[0]);
    };
    const admin = await homeOf('admin');
    expect(admin).toContain('Suspended since');
    expect(admin).toContain('pay $190.00 to restore');
    expect(admin).toContain(`"action_id":"${ACTION.payInvoice}"`);
    const finance = await homeOf('finance');
    expect(finance).toContain('Suspended since');
    expect(finance).not.toContain(`"action_id":"${ACTION.payInvoice}"`);
  });

  const refused: Array<[string, keyof typeof PEOPLE, () => string, RegExp | null]> = [
    ['someone with no role', 'nobody', () => number, /`\/balance reload` needs an admin/],
    ['sales', 'sales', () => number, /`\/balance reload` needs an admin/],
    ['a forged value', 'admin', () => 'INV-<script>', null],
    ['an unknown invoice', 'admin', () => 'INV-2026-09999', /There is no invoice INV-2026-09999/],
  ];
  for (const [what, who, value, answer] of refused) {
    it(`a click by ${what} starts no payment`, async () => {
      const answered = responseUrl();
      const opened = slackApi('views.open');
      const before = await tableCounts(t.db);
      expect((await click(who, value(), `trigger.${who}`)).status).toBe(200);
      await slack.settle();
      if (answer) {
        await expect.poll(() => answered.length).toBe(1);
        expect((answered[0] as Reply).text).toMatch(answer);
      } else expect(answered).toHaveLength(0);
      expect(opened).toHaveLength(0);
      expect(await tableCounts(t.db)).toEqual(before);
    });
  }
});
