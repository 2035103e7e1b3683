import type { SectionBlock, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/app/ids.js';
import type { HomeAccountModel, InvoiceModel, TransferLine } from '../../../src/app/views.js';
import { HOME_LISTS } from '../../../src/app/views.js';
import { viewProblems } from '../../../src/slack/limits.js';
import { HOME_PICKER_BLOCK, homeView } from '../../../src/slack/render/home-tab.js';
import { buttons, DANGEROUS, NO_SOURCE, summaryOf, USD, viewTexts } from './fixtures.js';

const transfer = (i: number): TransferLine => ({
  id: i,
  at: new Date(Date.UTC(2026, 10, 1 + i)),
  signedAmount: BigInt(i % 2 === 0 ? 10_000 : -2_500),
  memo: `memo ${i}`,
  actor: 'U0ADMIN1',
});

const invoice = (month: string, name = 'Acme'): InvoiceModel => ({
  format: USD,
  number: `INV-2026-000${month.slice(5)}`,
  accountName: name,
  month,
  planName: 'Standard',
  unitPriceCents: 200n,
  billedDevices: 120,
  coveredDevices: 0,
  billableDevices: 120,
  chargeCents: 24_000n,
  paidFromBalanceCents: 24_000n,
  amountDueCents: 0n,
  outstandingCents: 0n,
  status: 'paid',
  createdAt: new Date(`${month}-28T09:00:00Z`),
});

const account = (id: number, name = `Account ${id}`): HomeAccountModel => ({
  summary: summaryOf({ account: { id, name } }),
  source: NO_SOURCE,
  recent: Array.from({ length: 7 }, (_, i) => transfer(i)),
  invoices: ['2026-11', '2026-10', '2026-09', '2026-08'].map((m) => invoice(m, name)),
});

describe('homeView', () => {
  it("shows an admin's account in full with its buttons", () => {
    const view = homeView({ format: USD, accounts: [account(7, 'Acme')], picker: null });
    expect(view.type).toBe('home');
    const shown = viewTexts(view);
    expect(shown).toContain('Acme');
    expect(shown).toContain('*Balance*\n*$3,000.00*');
    expect(shown).toMatch(/\*Runway\*\n6\.2 months — runs out <!date/);
    expect(shown).toContain('*Devices now*\n120 devices');
    expect(shown).toContain('*Next bill (estimate)*\nDecember 2026: 120 devices, $480.00');
    expect(shown).toContain('INV-2026-00011');
    expect(shown).toContain('memo 4');
    expect(shown).not.toContain('memo 5'); // the last 5 transfers only
    const all = buttons(view.blocks);
    expect(all.map((b) => [b.action_id, b.text?.text, b.value])).toEqual([
      [ACTION.homeEstimate, 'Estimate', '7'],
      [ACTION.homeRedeem, 'Redeem a code', '7'],
      [ACTION.homeReload, 'Reload balance', '7'],
    ]);
    expect(viewProblems(view)).toEqual([]);
  });

  it('shows the last 3 invoices, or says there are none yet', () => {
    const texts = viewTexts(homeView({ format: USD, accounts: [account(1)], picker: null }));
    expect(texts).toContain('INV-2026-00011');
    expect(texts).toContain('INV-2026-00009');
    expect(texts).not.toContain('INV-2026-00008');
    const none = viewTexts(
      homeView({ format: USD, accounts: [{ ...account(2), invoices: [] }], picker: null }),
    );
    expect(none).toContain('No invoices yet');
  });

  it('shows covered devices only when license packs cover some', () => {
    const covered = {
      summary: summaryOf({ coveredDevices: 20 }),
      source: NO_SOURCE,
      recent: [],
      invoices: [],
    };
    expect(viewTexts(homeView({ format: USD, accounts: [covered], picker: null }))).toContain(
      'cover 20 devices',
    );
    expect(viewTexts(homeView({ format: USD, accounts: [account(1)], picker: null }))).not.toContain(
      'License packs',
    );
  });

  it('explains Balance when there is nothing to show', () => {
    const view = homeView({ format: USD, accounts: [], picker: null });
    const shown = viewTexts(view);
    expect(shown).toContain('prepaid balance');
    expect(shown).toContain('/balance account create &lt;name&gt;');
    expect(viewProblems(view)).toEqual([]);
  });

  it('gives finance and sales a picker of accounts', () => {
    const options = [
      { id: 1, name: 'Acme' },
      { id: 2, name: 'Globex' },
    ];
    const view = homeView({
      format: USD,
      accounts: [account(2, 'Globex')],
      picker: { options, selectedId: 2 },
    });
    const picker = view.blocks.find((b) => b.block_id === HOME_PICKER_BLOCK) as SectionBlock;
    const select = picker.accessory as StaticSelect;
    expect(select.action_id).toBe(ACTION.homePickAccount);
    expect(select.options?.map((o) => [o.value, o.text.text])).toEqual([
      ['1', 'Acme'],
      ['2', 'Globex'],
    ]);
    expect(select.initial_option?.value).toBe('2');
    expect(viewProblems(view)).toEqual([]);

    const none = homeView({ format: USD, accounts: [], picker: { options, selectedId: null } });
    expect(viewTexts(none)).toContain('Pick an account');
    expect(viewProblems(none)).toEqual([]);
  });

  it('keeps the picker at 100 options, including the selected one', () => {
    const options = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, name: `Account ${i + 1}` }));
    const view = homeView({ format: USD, accounts: [account(250)], picker: { options, selectedId: 250 } });
    const select = (view.blocks.find((b) => b.block_id === HOME_PICKER_BLOCK) as SectionBlock)
      .accessory as StaticSelect;
    expect(select.options).toHaveLength(100);
    expect(select.initial_option?.value).toBe('250');
    expect(viewTexts(view)).toContain('100 of 300 accounts');
    expect(viewProblems(view)).toEqual([]);
  });

  it('condenses accounts beyond the first few', () => {
    const accounts = Array.from({ length: 5 }, (_, i) => account(i + 1));
    const view = homeView({ format: USD, accounts, picker: null });
    expect(buttons(view.blocks)).toHaveLength(3 * HOME_LISTS.fullAccounts);
    const shown = viewTexts(view);
    expect(shown).toContain('*Other accounts*');
    expect(shown).toMatch(/\*Account 5\* — \$3,000\.00 · 6\.2 months/);
  });

  it('escapes account names and memos', () => {
    const evil = {
      summary: summaryOf({ account: { name: '<!channel> *x*' } }),
      source: NO_SOURCE,
      recent: [{ ...transfer(1), memo: '<@U123> @here' }],
      invoices: [invoice('2026-11', '<!channel> *x*')],
    };
    const view = homeView({ format: USD, accounts: [evil, evil, evil, evil], picker: null });
    expect(viewTexts(view).replaceAll('<@U0ADMIN1>', '')).not.toMatch(DANGEROUS);
  });
});
