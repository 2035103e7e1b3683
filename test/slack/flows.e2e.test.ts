import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACTION } from '../../src/app/ids.js';
import { accounts, quotes } from '../../src/db/schema.js';
import { adminsOf, createAccount, findAccountByName } from '../../src/services/accounts.js';
import { readingAt, recordReading } from '../../src/services/devices.js';
import { invoiceLinkKey, invoiceLinks } from '../../src/services/invoice-links.js';
import { namedInvoices, runInvoices } from '../../src/services/invoicing.js';
import { describeDatabases } from '../support/db.js';
import { fund } from '../support/fixtures.js';
import { ACME_CHANNEL, PEOPLE, seedPeople, slackUser, TEAM } from '../support/people.js';
import { CODE_SECRET, type SlackHarness, slackApi, startSlack } from '../support/slack.js';

type Ack = { text: string; blocks: unknown[] };
const json = async (res: Response) => (await res.json()) as Ack;

describeDatabases('/balance flows', (t) => {
  let slack: SlackHarness;
  let acme: Awaited<ReturnType<typeof seedPeople>>['acme'];
  beforeEach(async () => {
    slack = await startSlack(t.db);
    ({ acme } = await seedPeople(t.db));
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  it('status shows balance, devices, monthly cost and a 6.2-month runway for $3,000.00 at 120 devices on plus', async () => {
    await fund(t.db, acme.id, 300_000n);
    slackApi('views.publish', {}, 5);
    await slack.command('devices 120', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    const status = await json(
      await slack.command('status', { userId: PEOPLE.admin, channelId: ACME_CHANNEL }),
    );
    expect(status.text).toContain('$3,000.00');
    expect(status.text).toContain('120');
    expect(status.text).toContain('$480.00');
    expect(status.text).toContain('6.2 months');
  });

  it('estimate in an account channel adds its balance and the amount to reload, with the admin’s Reload button', async () => {
    await fund(t.db, acme.id, 300_000n);
    const reply = await json(
      await slack.command('estimate 120 24', { userId: PEOPLE.admin, channelId: ACME_CHANNEL }),
    );
    expect(reply.text).toContain('$11,520.00'); // Acme is on plus
    expect(reply.text).toContain('$3,000.00');
    expect(reply.text).toContain('$8,520.00'); // to reload for 24 months
    const buttons = JSON.stringify(reply.blocks);
    expect(buttons).toContain(ACTION.reloadThisAmount);
    expect(buttons).not.toContain(ACTION.shareAsQuote);
    const outsider = await json(
      await slack.command('estimate 50 12', { userId: PEOPLE.nobody, channelId: ACME_CHANNEL }),
    );
    expect(outsider.text).toContain('$1,200.00');
    expect(outsider.text).not.toContain('$3,000.00');
    expect(JSON.stringify(outsider.blocks)).not.toContain(ACTION.reloadThisAmount);
  });

  it('quote posts in the channel for everyone with gapless numbers and remembers the message', async () => {
    const posts = slackApi('chat.postMessage', { ts: '1764150000.000200', channel: 'C0SALES' }, 2);
    await slack.command('quote 120 24 plus for Globex <!channel>', {
      userId: PEOPLE.sales,
      channelId: 'C0SALES',
    });
    await slack.command('quote 50 12', { userId: PEOPLE.sales, channelId: 'C0SALES' });
    await expect.poll(() => posts.length).toBe(2);
    const first = posts[0] as { channel: string; text: string; blocks: unknown[] };
    expect(first.channel).toBe('C0SALES');
    expect(first.text).toContain('Q-2026-0001');
    expect(first.text).toContain('$11,520.00');
    expect(JSON.stringify(first)).not.toContain('<!channel>');
    expect((posts[1] as { text: string }).text).toContain('Q-2026-0002');
    await expect
      .poll(async () => (await t.db.select().from(quotes)).map((q) => [q.number, q.messageTs, q.customer]))
      .toEqual([
        ['Q-2026-0001', '1764150000.000200', 'Globex <!channel>'],
        ['Q-2026-0002', '1764150000.000200', null],
      ]);
  });

  it('Share as quote on an estimate posts the quote where the estimate was', async () => {
    const posts = slackApi('chat.postMessage', { ts: '1.1', channel: 'C0SALES' });
    await slack.interaction({
      type: 'block_actions',
      user: slackUser('sales'),
      api_app_id: 'A1',
      trigger_id: 't',
      channel: { id: 'C0SALES' },
      container: { type: 'message', channel_id: 'C0SALES', message_ts: '1.0', is_ephemeral: true },
      response_url: 'http://slack.test/respond/1',
      actions: [
        {
          type: 'button',
          action_id: ACTION.shareAsQuote,
          block_id: 'b',
          value: JSON.stringify({ devices: 10, months: 36, plan: 'standard' }),
        },
      ],
    });
    await expect.poll(() => posts.length).toBe(1);
    expect((posts[0] as { text: string }).text).toContain('$720.00');
  });

  it('devices records a reading, shows the month, and republishes the Home tab of the account’s admins', async () => {
    const published = slackApi('views.publish', {}, 5);
    const reply = await json(
      await slack.command('devices 120', { userId: PEOPLE.admin, channelId: ACME_CHANNEL }),
    );
    expect(reply.text).toContain('120');
    expect((await readingAt(t.db, acme.id, slack.clock.now()))?.count).toBe(120);
    await slack.settle();
    expect(published.map((p) => (p as { user_id: string }).user_id)).toEqual([PEOPLE.admin]);
    expect(JSON.stringify(published[0])).toContain('Acme');
  });

  it('a device count that leaves the balance short raises the low-balance alert', async () => {
    slackApi('views.publish', {}, 5);
    const posts = slackApi('chat.postMessage', { ts: '1.2', channel: ACME_CHANNEL }, 5);
    await fund(t.db, acme.id, 10_000n); // $100 against 120 devices on plus: $480 a month
    await slack.command('devices 120', { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    await slack.settle();
    expect(posts).toEqual([
      expect.objectContaining({ channel: ACME_CHANNEL, text: expect.stringContaining('running low') }),
    ]);
  });

  it('history lists the wallet’s transfers', async () => {
    await fund(t.db, acme.id, 250_000n);
    const reply = await json(
      await slack.command('history', { userId: PEOPLE.finance, channelId: ACME_CHANNEL }),
    );
    expect(reply.text).toContain('$2,500.00');
  });

  it('the owner sets up an account: create, link, admins, plan', async () => {
    slackApi('views.publish', {}, 10);
    const created = await json(
      await slack.command('account create Globex Corp plus', { userId: PEOPLE.owner }),
    );
    expect(created.text).toContain('Created Globex Corp on Plus ($4.00/device/month)');
    const globex = (await findAccountByName(t.db, 'globex corp'))!;
    expect(globex.planCode).toBe('plus');
    await slack.command('account link Globex Corp', { userId: PEOPLE.owner, channelId: 'C0GLOBEX' });
    const added = await json(
      await slack.command('account admins add <@UNEW1|new> <@UNEW2|two>', {
        userId: PEOPLE.owner,
        channelId: 'C0GLOBEX',
      }),
    );
    expect(added.text).toContain('Added <@UNEW1>, <@UNEW2> as admins of Globex Corp');
    expect(await adminsOf(t.db, globex.id)).toEqual([
      { teamId: TEAM, userId: 'UNEW1' },
      { teamId: TEAM, userId: 'UNEW2' },
    ]);
    const plan = await json(
      await slack.command('account plan standard', { userId: PEOPLE.owner, channelId: 'C0GLOBEX' }),
    );
    expect(plan.text).toContain('Globex Corp is now on Standard ($2.00/device/month)');
    const duplicate = await json(await slack.command('account create GLOBEX corp', { userId: PEOPLE.owner }));
    expect(duplicate.text).toContain('An account named "GLOBEX corp" already exists.');
  });

  it('invoices lists the last invoices and shows one month in full', async () => {
    await fund(t.db, acme.id, 100_000n);
    await recordReading(t.db, {
      accountId: acme.id,
      count: 30,
      at: new Date('2026-11-02T00:00:00Z'),
      by: PEOPLE.admin,
    });
    await t.db.update(accounts).set({ createdAt: new Date('2026-11-01T00:00:00Z') });
    await runInvoices(t.db, { now: new Date('2026-12-01T09:00:00Z'), timeZone: 'UTC' });
    const list = await json(
      await slack.command('invoices', { userId: PEOPLE.finance, channelId: ACME_CHANNEL }),
    );
    expect(list.text).toContain('INV-2026-00001');
    expect(list.text).toContain('$120.00'); // 30 devices × $4.00 on plus
    const one = await json(
      await slack.command('invoices 2026-11', { userId: PEOPLE.admin, channelId: ACME_CHANNEL }),
    );
    expect(one.text).toContain('INV-2026-00001');
    expect(one.text).toMatch(/30 × \$4\.00 = \$120\.00/);
    const none = await json(
      await slack.command('invoices 2026-10', { userId: PEOPLE.admin, channelId: ACME_CHANNEL }),
    );
    expect(none.text).toContain('There is no invoice for 2026-10 yet.');
  });

  it("invoices INV-… shows one invoice with the link to its hosted page; another account's number is not shown", async () => {
    const globex = await createAccount(t.db, {
      name: 'Globex',
      planCode: 'standard',
      actor: PEOPLE.owner,
      at: new Date('2026-11-01T00:00:00Z'),
    });
    for (const accountId of [acme.id, globex.id])
      await recordReading(t.db, {
        accountId,
        count: 30,
        at: new Date('2026-11-02T00:00:00Z'),
        by: PEOPLE.admin,
      });
    await t.db.update(accounts).set({ createdAt: new Date('2026-11-01T00:00:00Z') });
    await runInvoices(t.db, { now: new Date('2026-12-01T09:00:00Z'), timeZone: 'UTC' });
    const [mine] = await namedInvoices(t.db, { accountId: acme.id });
    const [theirs] = await namedInvoices(t.db, { accountId: globex.id });
    const one = await json(
      await slack.command(`invoices ${mine!.invoice.number.toLowerCase()}`, {
        userId: PEOPLE.admin,
        channelId: ACME_CHANNEL,
      }),
    );
    const link = invoiceLinks(slack.deps.config.publicUrl, invoiceLinkKey(CODE_SECRET), mine!.invoice).page;
    expect(one.text).toContain(mine!.invoice.number);
    expect(one.text).toContain(`Invoice page and PDF: ${link}`);
    // The link opens the page, with no Slack login.
    const page = await fetch(`${slack.url}${new URL(link).pathname}${new URL(link).search}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(mine!.invoice.number);

    const other = await json(
      await slack.command(`invoices ${theirs!.invoice.number}`, {
        userId: PEOPLE.admin,
        channelId: ACME_CHANNEL,
      }),
    );
    expect(other.text).toContain(`There is no invoice ${theirs!.invoice.number} for this account.`);
    expect(other.text).not.toContain('/invoices/');
    const unknown = await json(
      await slack.command('invoices INV-2026-09999', { userId: PEOPLE.admin, channelId: ACME_CHANNEL }),
    );
    expect(unknown.text).toContain('There is no invoice INV-2026-09999 for this account.');
    const bad = await json(
      await slack.command('invoices INV-26-1', { userId: PEOPLE.admin, channelId: ACME_CHANNEL }),
    );
    expect(bad.text).toContain('is not a month like 2026-11 or an invoice number like INV-2026-00002');
  });

  it('publishes the Home tab on app_home_opened', async () => {
    await fund(t.db, acme.id, 300_000n);
    const published = slackApi('views.publish');
    const res = await slack.event({
      type: 'app_home_opened',
      user: PEOPLE.admin,
      channel: 'D1',
      tab: 'home',
    });
    expect(res.status).toBe(200);
    await expect.poll(() => published.length).toBe(1);
    const view = JSON.stringify(published[0]);
    expect(view).toContain('Acme');
    expect(view).toContain('$3,000.00');
    expect(view).toContain(ACTION.homeEstimate);
  });
});
