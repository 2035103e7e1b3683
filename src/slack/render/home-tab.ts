import type { HomeView, KnownBlock, PlainTextOption, SectionBlock, StaticSelect } from '@slack/types';
import { ACTION, SLASH_COMMAND } from '../../app/ids.js';
import { type Format, HOME_LISTS, type HomeAccountModel, type HomeModel } from '../../app/views.js';
import { BLOCK_KIT } from './block-kit-limits.js';
import { transferLine } from './history.js';
import { invoiceListLine } from './invoices.js';
import {
  actions,
  button,
  context,
  devicesText,
  divider,
  fieldsSection,
  header,
  linesToSections,
  money,
  mrkdwn,
  plain,
  plainUserText,
  section,
  userText,
} from './mrkdwn-text.js';
import { collectionsBlocks } from './receivables.js';
import { lowBalanceText, runwayText, summaryFields } from './status.js';

/** The block holding the account picker (finance, sales, admins of several accounts). */
export const HOME_PICKER_BLOCK = 'home_pick_account';
/** Condensed lines at most; the rest are counted. */
export const HOME_CONDENSED_ACCOUNTS = 60;
export const HOME_NO_INVOICES = 'No invoices yet: the first comes after the first month ends.';

/** The Home tab of one user. */
export function homeView(m: HomeModel): HomeView {
  const blocks: KnownBlock[] = [header('Balance')];
  if (m.picker) blocks.push(...pickerBlocks(m.picker));

  if (m.accounts.length === 0) {
    blocks.push(...(m.picker ? pickHint(m.picker.options.length) : welcomeBlocks()));
    return { type: 'home', blocks };
  }

  const full =
    m.accounts.length <= HOME_LISTS.fullAccounts ? m.accounts : m.accounts.slice(0, HOME_LISTS.fullAccounts);
  for (const account of full) blocks.push(...accountBlocks(account, m.format));
  const rest = m.accounts.slice(full.length);
  if (rest.length > 0) blocks.push(...condensedBlocks(rest, m.format, m.picker !== null));
  return { type: 'home', blocks };
}

function pickerBlocks(picker: NonNullable<HomeModel['picker']>): KnownBlock[] {
  if (picker.options.length === 0) return [];
  // A static select holds 100 options; the selected account is always among them.
  const selected = picker.options.find((o) => o.id === picker.selectedId);
  const others = picker.options.filter((o) => o !== selected);
  const shown = selected
    ? [selected, ...others.slice(0, BLOCK_KIT.selectOptions - 1)]
    : others.slice(0, BLOCK_KIT.selectOptions);
  shown.sort((a, b) => picker.options.indexOf(a) - picker.options.indexOf(b));
  const toOption = (o: { id: number; name: string }): PlainTextOption => ({
    text: plain(plainUserText(o.name, BLOCK_KIT.optionText)),
    value: String(o.id),
  });
  const select: StaticSelect = {
    type: 'static_select',
    action_id: ACTION.homePickAccount,
    placeholder: plain('Choose an account'),
    options: shown.map(toOption),
  };
  if (selected) select.initial_option = toOption(selected);
  const block: SectionBlock = {
    type: 'section',
    block_id: HOME_PICKER_BLOCK,
    text: mrkdwn('*Account to show*'),
    accessory: select,
  };
  const blocks: KnownBlock[] = [block];
  const hidden = picker.options.length - shown.length;
  if (hidden > 0) {
    blocks.push(
      context(
        `The list shows ${shown.length} of ${picker.options.length} accounts; for another one use ` +
          `\`${SLASH_COMMAND} status --account &lt;name&gt;\`.`,
      ),
    );
  }
  return blocks;
}

function pickHint(options: number): KnownBlock[] {
  if (options === 0) {
    return [
      section(
        `There are no accounts yet. An owner creates one with \`${SLASH_COMMAND} account create &lt;name&gt; [&lt;plan&gt;]\`.`,
      ),
    ];
  }
  return [section('Pick an account above to see its balance, runway, devices and recent transfers.')];
}

function welcomeBlocks(): KnownBlock[] {
  const about =
    '*Balance* keeps a prepaid balance for your devices. You pay ahead for months of service; the money ' +
    "sits in your account's wallet, and each month's usage (devices × the plan's price per device) is drawn " +
    'from it only after the month is over. You can see here how long the balance lasts and when to reload.';
  const steps = [
    '*Getting started*',
    `1. An owner creates the account: \`${SLASH_COMMAND} account create &lt;name&gt; [&lt;plan&gt;]\``,
    `2. The owner adds its admins: \`${SLASH_COMMAND} account admins add @someone\``,
    `3. Admins redeem a code or reload the balance, and record the device count with \`${SLASH_COMMAND} devices &lt;count&gt;\`.`,
    '',
    `Anyone can price a plan with \`${SLASH_COMMAND} estimate\` (or the button below); \`${SLASH_COMMAND} help\` lists what you can do.`,
  ].join('\n');
  return [section(about), section(steps), actions([button('Estimate', ACTION.homeEstimate)])];
}

function accountBlocks(
  { summary: s, source, recent, invoices, collections }: HomeAccountModel,
  format: Format,
): KnownBlock[] {
  const fields = summaryFields(s, source, format);
  const blocks: KnownBlock[] = [divider(), header(s.account.name), fieldsSection(fields)];
  blocks.push(...collectionsBlocks(collections, format).blocks);
  if (s.state !== 'ok') blocks.push(section(lowBalanceText(s.state, s.account.alertThresholdTenths)));
  const transfers = recent.slice(0, HOME_LISTS.recentTransfers).map((t) => `• ${transferLine(t, format)}`);
  blocks.push(
    section(['*Recent transfers*', ...(transfers.length > 0 ? transfers : ['No transfers yet.'])].join('\n')),
    section(
      [
        '*Invoices*',
        ...(invoices.length > 0
          ? invoices.slice(0, HOME_LISTS.invoices).map((i) => `• ${invoiceListLine(i)}`)
          : [HOME_NO_INVOICES]),
      ].join('\n'),
    ),
  );
  const id = String(s.account.id);
  blocks.push(
    actions([
      button('Estimate', ACTION.homeEstimate, id),
      button('Redeem a code', ACTION.homeRedeem, id),
      button('Reload balance', ACTION.homeReload, id, 'primary'),
    ]),
  );
  return blocks;
}

function condensedBlocks(rest: HomeAccountModel[], format: Format, hasPicker: boolean): KnownBlock[] {
  const shown = rest.slice(0, HOME_CONDENSED_ACCOUNTS);
  const lines = shown.map(({ summary: s }) => {
    const devices = s.devices === null ? 'no reading yet' : devicesText(s.devices);
    const warning = s.state === 'empty' ? '🚨 ' : s.state === 'low' ? '⚠️ ' : '';
    return `${warning}*${userText(s.account.name, 80)}* — ${money(s.balanceCents, format)} · ${runwayText(s, format)} · ${devices}`;
  });
  if (rest.length > shown.length) lines.push(`… and ${rest.length - shown.length} more accounts.`);
  const title = hasPicker ? '*Other accounts* (pick one above to see it in full)' : '*Other accounts*';
  return [divider(), section(title), ...linesToSections(lines)];
}
