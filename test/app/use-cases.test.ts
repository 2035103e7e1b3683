import { beforeAll, beforeEach, expect, it } from 'vitest';
import { ACTION } from '../../src/app/ids.js';
import { createInteractions } from '../../src/app/interactions.js';
import type { Actor, Interactions, Reply } from '../../src/app/types.js';
import type { MessageModel, ModalModel } from '../../src/app/views.js';
import { describeDatabases, tableCounts } from '../support/db.js';
import { testDeps } from '../support/deps.js';
import { ACME_CHANNEL, type Person, person, seedPeople } from '../support/people.js';

// The use cases on their view models: what a command or a click answers, as plain data, before any door renders it
// (the Block Kit of each model is asserted in test/slack/render).

describeDatabases('use cases answer with view models', (t) => {
  let interactions: Interactions;
  beforeAll(async () => {
    interactions = createInteractions(await testDeps(t.db));
  });
  beforeEach(async () => {
    await seedPeople(t.db);
  });
  let trigger = 0;
  const actor = (who: Person, channelId: string | undefined = ACME_CHANNEL): Actor => ({
    ...person(who),
    channelId,
    requestId: `trigger.${++trigger}`,
  });
  /** The one private answer to a command, as its view model. */
  const answer = async (who: Person, text: string): Promise<MessageModel> => {
    const replies = await interactions.command(actor(who), text);
    expect(replies).toHaveLength(1);
    const [reply] = replies as [Reply];
    if (reply.kind !== 'private') throw new Error(`expected a private reply, got ${reply.kind}`);
    return reply.message;
  };
  const modal = async (who: Person, text: string): Promise<ModalModel> => {
    const [reply] = await interactions.command(actor(who), text);
    if (reply?.kind !== 'open_modal') throw new Error(`expected a modal, got ${reply?.kind}`);
    return reply.view;
  };

  it('status: the account summary, with its balance, plan and devices', async () => {
    const message = await answer('admin', 'status');
    expect(message.kind).toBe('status');
    if (message.kind !== 'status') return;
    expect(message.model.summary).toMatchObject({
      account: { name: 'Acme' },
      plan: { code: 'plus' },
      balanceCents: 0n,
      devices: null,
    });
    expect(message.model.format).toEqual({ currency: 'USD', timeZone: expect.any(String) });
  });

  it('estimate: the figures of 120 × 24 on Plus, and which buttons this person gets', async () => {
    const message = await answer('admin', 'estimate 120 24 plus');
    if (message.kind !== 'estimate') throw new Error(message.kind);
    expect(message.model.plan).toMatchObject({ code: 'plus', priceCents: 400n });
    expect(message.model.estimate).toMatchObject({ devices: 120, months: 24, totalCents: 1_152_000n });
    expect(message.model.account).toMatchObject({ name: 'Acme', balanceCents: 0n, reloadCents: 1_152_000n });
    expect(message.model.actions).toEqual({ shareAsQuote: false, reload: true });
    const sales = await answer('sales', 'estimate 120 24 plus');
    expect(sales.kind === 'estimate' && sales.model.actions.shareAsQuote).toBe(true);
  });

  it('codes, redeem: the code issued once, listed by its last 4, redeemed into the balance, refused twice', async () => {
    const issued = await answer('sales', 'codes issue 50');
    if (issued.kind !== 'issued_codes') throw new Error(issued.kind);
    expect(issued.model.amountCents).toBe(5_000n);
    expect(issued.model.codes).toHaveLength(1);
    const { code, last4 } = issued.model.codes[0]!;
    expect(code).toMatch(/^BAL-/);

    const list = await answer('sales', 'codes list open');
    if (list.kind !== 'code_list') throw new Error(list.kind);
    expect(list.model.codes.map((c) => [c.last4, c.status, c.amountCents])).toEqual([
      [last4, 'issued', 5_000n],
    ]);

    const redeemed = await answer('admin', `redeem ${code}`);
    expect(redeemed).toEqual({
      kind: 'redeemed',
      model: expect.objectContaining({
        kind: 'balance',
        accountName: 'Acme',
        amountCents: 5_000n,
        balanceCents: 5_000n,
      }),
    });

    const again = await answer('admin', `redeem ${code}`);
    if (again.kind !== 'notice') throw new Error(again.kind);
    expect(again.model.parts).toEqual([
      'This code was already redeemed for this account on ',
      { date: expect.any(Date), style: 'date_short_pretty' },
      ' by ',
      { user: person('admin').userId },
      '.',
    ]);
  });

  it('reload: the Reload modal for the account, pre-filled with the amount typed', async () => {
    const view = await modal('admin', 'reload 100');
    if (view.kind !== 'reload_modal') throw new Error(view.kind);
    expect(view.model).toMatchObject({
      accountName: 'Acme',
      mode: 'amount',
      amountText: '100',
      totalCents: 10_000n,
    });
  });

  it('invoices: an empty list for the account, and a notice for a month without one', async () => {
    expect(await answer('admin', 'invoices')).toEqual({
      kind: 'invoice_list',
      model: expect.objectContaining({ accountName: 'Acme', invoices: [] }),
    });
    expect(await answer('admin', 'invoices 2026-10')).toEqual({
      kind: 'notice',
      model: expect.objectContaining({ parts: ['There is no invoice for 2026-10 yet.'] }),
    });
  });

  it('a refusal is a refusal model, naming what is needed; nothing is written', async () => {
    const before = await tableCounts(t.db);
    expect(await answer('nobody', 'codes issue 50')).toEqual({
      kind: 'refusal',
      text: expect.stringContaining('sales'),
    });
    expect(await tableCounts(t.db)).toEqual(before);
  });

  // Proves: a button value that is not a record id (forged, oversized, a NUL byte) answers privately and writes nothing.
  it('a hostile button value gets a private refusal and writes nothing', async () => {
    const before = await tableCounts(t.db);
    for (const value of ['1 OR 1=1', '-1', '1e3', '9'.repeat(40), 'x\u0000', '']) {
      const replies = await interactions.action(actor('admin', undefined), {
        actionId: ACTION.homeRedeem,
        value,
      });
      expect(replies.map((r) => [r.kind, r.kind === 'private' && r.message.kind])).toEqual([
        ['private', 'refusal'],
      ]);
    }
    expect(await tableCounts(t.db)).toEqual(before);
  });
});
