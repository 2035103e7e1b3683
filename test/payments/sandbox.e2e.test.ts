import { eq, like } from 'drizzle-orm';
import nock from 'nock';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACTION, CALLBACK, CUSTOM_MONTHS, RELOAD_INPUT, RELOAD_TOTAL_BLOCK } from '../../src/app/ids.js';
import { payments, transfers } from '../../src/db/schema.js';
import { walletBalance } from '../../src/ledger/ledger.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { pendingPayment } from '../support/fixtures.js';
import { ACME_CHANNEL, PEOPLE, seedPeople, slackUser } from '../support/people.js';
import { type SlackHarness, slackApi, startSlack } from '../support/slack.js';

type View = {
  callback_id: string;
  private_metadata: string;
  blocks: Array<{
    block_id?: string;
    text?: { text: string };
    elements?: Array<{ url?: string; text?: { text: string } }>;
  }>;
};

const devicesState = (devices: string, months: string, custom?: string) => ({
  values: {
    [RELOAD_INPUT.mode]: {
      [RELOAD_INPUT.mode]: { type: 'radio_buttons', selected_option: { value: 'devices' } },
    },
    [RELOAD_INPUT.devices]: { [RELOAD_INPUT.devices]: { type: 'number_input', value: devices } },
    [RELOAD_INPUT.months]: {
      [RELOAD_INPUT.months]: { type: 'static_select', selected_option: { value: months } },
    },
    ...(custom === undefined
      ? {}
      : {
          [RELOAD_INPUT.customMonths]: {
            [RELOAD_INPUT.customMonths]: { type: 'number_input', value: custom },
          },
        }),
  },
});
const amountState = (amount: string) => ({
  values: {
    [RELOAD_INPUT.mode]: {
      [RELOAD_INPUT.mode]: { type: 'radio_buttons', selected_option: { value: 'amount' } },
    },
    [RELOAD_INPUT.amount]: { [RELOAD_INPUT.amount]: { type: 'plain_text_input', value: amount } },
  },
});

describeDatabases('reloading through the sandbox', (t) => {
  let slack: SlackHarness;
  let acme: Awaited<ReturnType<typeof seedPeople>>['acme'];
  let posts: unknown[];
  beforeEach(async () => {
    slack = await startSlack(t.db);
    ({ acme } = await seedPeople(t.db)); // Acme is on plus
    slackApi('views.publish', {}, 20);
    posts = slackApi('chat.postMessage', { ts: '1.1', channel: ACME_CHANNEL }, 20);
  });
  afterEach(async () => {
    await slack.stop();
    nock.cleanAll();
  });

  const openModal = async (text: string) => {
    const opened = slackApi('views.open');
    await slack.command(text, { userId: PEOPLE.admin, channelId: ACME_CHANNEL });
    await expect.poll(() => opened.length).toBe(1);
    return (opened[0] as { view: View }).view;
  };
  const submit = (view: View, state: unknown, viewId = 'VRELOAD1') =>
    slack.submitView(PEOPLE.admin, view, state, viewId);
  const payUrlOf = (view: View) => view.blocks.flatMap((b) => b.elements ?? []).find((e) => e.url)?.url;

  it('devices mode: 120 × 24 on plus shows $11,520.00 live, and Continue to payment makes a Pay $11,520.00 step', async () => {
    const view = await openModal('reload 120 24');
    expect(view.callback_id).toBe(CALLBACK.reload);
    expect(JSON.stringify(view)).toContain('$11,520.00');

    const updated = slackApi('views.update');
    await slack.interaction({
      type: 'block_actions',
      user: slackUser('admin'),
      api_app_id: 'A1',
      container: { type: 'view', view_id: 'VRELOAD1' },
      view: {
        id: 'VRELOAD1',
        hash: 'h',
        type: 'modal',
        callback_id: CALLBACK.reload,
        private_metadata: view.private_metadata,
        blocks: view.blocks,
        state: devicesState('100', CUSTOM_MONTHS, '5'),
      },
      actions: [
        {
          type: 'number_input',
          action_id: RELOAD_INPUT.customMonths,
          block_id: RELOAD_INPUT.customMonths,
          value: '5',
        },
      ],
    });
    await expect.poll(() => updated.length).toBe(1);
    const live = (updated[0] as { view: View }).view;
    expect(live.blocks.find((b) => b.block_id === RELOAD_TOTAL_BLOCK)?.text?.text).toContain('$2,000.00');

    const res = await submit(view, devicesState('120', '24'));
    const body = (await res.json()) as { response_action: string; view: View };
    expect(body.response_action).toBe('update');
    expect(JSON.stringify(body.view)).toContain('Pay $11,520.00');
    const url = payUrlOf(body.view);
    expect(url).toMatch(/^http:\/\/localhost:3000\/pay\/sandbox\/pay_[0-9A-Z]{16}$/);
    const [payment] = await t.db.select().from(payments);
    expect(payment).toMatchObject({
      amountCents: 1_152_000n,
      status: 'pending',
      provider: 'sandbox',
      accountId: acme.id,
      requestedBy: PEOPLE.admin,
    });
  });

  it('an estimate’s Reload this amount opens the Reload modal with its devices and months', async () => {
    const opened = slackApi('views.open');
    await slack.interaction({
      type: 'block_actions',
      user: slackUser('admin'),
      api_app_id: 'A1',
      trigger_id: 't.reload',
      channel: { id: ACME_CHANNEL },
      container: { type: 'message', channel_id: ACME_CHANNEL, message_ts: '1.0', is_ephemeral: true },
      response_url: 'http://slack.test/respond/1',
      actions: [
        {
          type: 'button',
          action_id: ACTION.reloadThisAmount,
          block_id: 'b',
          value: JSON.stringify({ devices: 120, months: 24, plan: 'plus' }),
        },
      ],
    });
    await expect.poll(() => opened.length).toBe(1);
    const view = (opened[0] as { view: View }).view;
    expect(view.callback_id).toBe(CALLBACK.reload);
    expect(JSON.stringify(view)).toContain('$11,520.00');
  });

  it('amount mode takes $1,200.50; a double submit of one view makes one payment', async () => {
    const view = await openModal('reload');
    const first = (await (await submit(view, amountState('$1,200.50'))).json()) as { view: View };
    const second = (await (await submit(view, amountState('$1,200.50'))).json()) as { view: View };
    expect(JSON.stringify(first.view)).toContain('Pay $1,200.50');
    expect(payUrlOf(second.view)).toBe(payUrlOf(first.view));
    expect(await t.db.select().from(payments)).toHaveLength(1);
  });

  it.each([
    ['devices', devicesState('0', '12'), RELOAD_INPUT.devices],
    ['devices', devicesState('-3', '12'), RELOAD_INPUT.devices],
    ['devices', devicesState('1000001', '12'), RELOAD_INPUT.devices],
    ['devices', devicesState('many', '12'), RELOAD_INPUT.devices],
    ['custom months', devicesState('10', CUSTOM_MONTHS, '0'), RELOAD_INPUT.customMonths],
    ['custom months', devicesState('10', CUSTOM_MONTHS, '121'), RELOAD_INPUT.customMonths],
    ['amount', amountState('0'), RELOAD_INPUT.amount],
    ['amount', amountState('-5'), RELOAD_INPUT.amount],
    ['amount', amountState('10000000.01'), RELOAD_INPUT.amount],
    ['amount', amountState('lots'), RELOAD_INPUT.amount],
  ])('a bad %s shows an error on its field and writes nothing', async (_what, state, field) => {
    const view = await openModal('reload');
    const before = await tableCounts(t.db);
    const body = (await (await submit(view, state)).json()) as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors)).toEqual([field]);
    expect(body.errors[field]).toMatch(/must be|amount|start at|go up to|is not|negative/i);
    expect(await tableCounts(t.db)).toEqual(before);
  });

  it('the sandbox page shows the amount; paying credits once, even twice; the payer and the channel are told', async () => {
    const view = await openModal('reload 120 24');
    const url = payUrlOf(
      ((await (await submit(view, devicesState('120', '24'))).json()) as { view: View }).view,
    )!;
    const path = new URL(url).pathname;
    const page = await fetch(`${slack.url}${path}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Sandbox — no real money');
    expect(html).toContain('$11,520.00');
    expect(html).toContain('Acme');

    const pay = () =>
      fetch(`${slack.url}${path}`, {
        method: 'POST',
        body: 'action=pay',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    expect((await pay()).status).toBe(200);
    const again = await (await pay()).text();
    expect(again).toContain('This payment is complete');
    await slack.settle();
    expect(await walletBalance(t.db, acme.id)).toBe(1_152_000n);
    expect(
      await t.db.select().from(transfers).where(like(transfers.idempotencyKey, 'reload:%')),
    ).toHaveLength(1);
    const [payment] = await t.db.select().from(payments);
    expect(payment!.status).toBe('paid');
    const told = posts as Array<{ channel: string; text: string }>;
    expect(told.filter((p) => p.channel === PEOPLE.admin).map((p) => p.text)).toEqual([
      expect.stringContaining('Your reload of $11,520.00 for Acme has landed'),
    ]);
    expect(told.filter((p) => p.channel === ACME_CHANNEL).map((p) => p.text)).toEqual([
      expect.stringContaining('$11,520.00'),
    ]);
  });

  it('finance refunds a sandbox reload without any provider call', async () => {
    const view = await openModal('reload 100');
    const url = payUrlOf(((await (await submit(view, amountState('100'))).json()) as { view: View }).view)!;
    await fetch(url.replace('http://localhost:3000', slack.url), { method: 'POST' });
    const id = new URL(url).pathname.split('/').at(-1);
    const reply = (await (
      await slack.command(`refund ${id} 40`, { userId: PEOPLE.finance, channelId: ACME_CHANNEL })
    ).json()) as { text: string };
    expect(reply.text).toContain('Refunded $40.00');
    expect(reply.text).toContain('sandbox');
    expect(await walletBalance(t.db, acme.id)).toBe(6_000n);
  });

  it('cancel marks the payment cancelled and credits nothing; an unknown payment says so', async () => {
    const view = await openModal('reload 10');
    const url = payUrlOf(((await (await submit(view, amountState('10'))).json()) as { view: View }).view)!;
    const path = new URL(url).pathname;
    const cancelled = await fetch(`${slack.url}${path}`, {
      method: 'POST',
      body: 'action=cancel',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await cancelled.text()).toContain('This payment was cancelled');
    const pay = await fetch(`${slack.url}${path}`, {
      method: 'POST',
      body: 'action=pay',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await pay.text()).toContain('This payment was cancelled');
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
    expect((await t.db.select().from(payments).where(eq(payments.accountId, acme.id)))[0]!.status).toBe(
      'cancelled',
    );
    const unknown = await fetch(`${slack.url}/pay/sandbox/pay_0000000000000000`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('There is no such payment');
  });

  const pendingAt = (now: Date) => pendingPayment(t.db, slack.deps.payments, acme, 5_000n, { now });
  const postForm = (id: string, body: string) =>
    fetch(`${slack.url}/pay/sandbox/${id}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

  // Proves: the form takes exactly `pay` or `cancel`; anything else (`CANCEL` used to pay) is 400 and pays nothing.
  it.each(['CANCEL', 'Pay', 'refund', ''])('action=%s gets 400 and changes nothing', async (action) => {
    const payment = await pendingAt(slack.clock.now());
    const before = await tableCounts(t.db);
    const res = await postForm(payment.id, `action=${action}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^action: /);
    expect(await tableCounts(t.db)).toEqual(before);
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
  });

  // Proves: a sandbox checkout past its expires_at shows as expired and cannot be paid.
  it('an expired payment shows expired, and paying it credits nothing and marks it expired', async () => {
    const payment = await pendingAt(new Date(slack.clock.now().getTime() - 25 * 3_600_000));
    const page = await (await fetch(`${slack.url}/pay/sandbox/${payment.id}`)).text();
    expect(page).toContain('This payment link has expired');
    expect(page).not.toContain('<form');
    const paid = await postForm(payment.id, 'action=pay');
    expect(paid.status).toBe(200);
    expect(await paid.text()).toContain('This payment link has expired');
    await slack.settle();
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
    expect((await t.db.select().from(payments).where(eq(payments.id, payment.id)))[0]!.status).toBe(
      'expired',
    );
    expect(await t.db.select().from(transfers)).toEqual([]);
  });

  // Proves: the path's payment id is read by its exact format: a NUL byte or bad escape is a 400, not a query.
  it.each(['pay_%00AAAAAAAAAAAAAAA', '%C0%80', 'pay_IIIIIIIIIIIIIIII'])(
    'GET /pay/sandbox/%s gets 400',
    async (id) => {
      const res = await fetch(`${slack.url}/pay/sandbox/${id}`);
      expect(res.status).toBe(400);
    },
  );
});
