import type { Account } from '../services/accounts.js';
import type { Access } from './access.js';
import { adjustCommand } from './adjust.js';
import { autoReloadCommand } from './autoreload-modal.js';
import { cardCommand } from './card.js';
import { codesIssue, codesList, codesVoid } from './code-commands.js';
import { estimateCommand } from './estimate.js';
import { invoicesCommand } from './invoices.js';
import { devicesConnectCommand, devicesDisconnectCommand } from './jamf.js';
import { quoteCommand } from './quote.js';
import { invoicesPay, invoicesWriteOff, receivablesCommand } from './receivables.js';
import { redeemCommand } from './redeem.js';
import { refundCommand, reloadCommand } from './reload.js';
import {
  accountAdmins,
  accountCreate,
  accountLink,
  accountPlan,
  configAlertChannel,
  configAlertThreshold,
  configFinanceChannel,
  rolesCommand,
} from './setup.js';
import { devicesCommand, historyCommand, statusCommand } from './status.js';
import type { CommandContext, Reply } from './types.js';

export interface Subcommand {
  /** The words that name it: `['account', 'create']`. */
  words: string[];
  /** Its arguments, as help and usage errors show them. */
  args: string;
  description: string;
  access: Access;
  /** `required`: the command acts on one account, resolved before it runs (and admin is checked against it);
   * `optional`: an account's figures are added when one is meant and the user may read it. */
  account: 'required' | 'optional' | 'none';
  /** It only reads, and confirms a cached request context itself (its statement reads the directory version): it
   * may run before the context is checked. */
  confirmsDirectory?: true;
  run(ctx: CommandContext, args: string[], account: Account | undefined): Promise<Reply[]>;
}

/** Every `/balance` subcommand, in the order help lists them (SPEC §4). */
export const SUBCOMMANDS: Subcommand[] = [
  {
    words: ['estimate'],
    args: '[<devices> [<months> [<plan>]]]',
    description: 'what devices × months cost, with 12/24/36-month figures; no arguments opens a form',
    access: 'anyone',
    account: 'optional',
    confirmsDirectory: true,
    run: estimateCommand,
  },
  {
    words: ['quote'],
    args: '<devices> <months> [<plan>] [for <customer…>]',
    description: 'post a quote in this channel, valid 30 days',
    access: ['sales'],
    account: 'none',
    run: quoteCommand,
  },
  {
    words: ['status'],
    args: '',
    description: 'balance, devices, monthly cost, runway and next bill',
    access: ['admin', 'finance', 'sales'],
    account: 'required',
    confirmsDirectory: true,
    run: statusCommand,
  },
  {
    words: ['redeem'],
    args: '[<code>]',
    description: 'redeem a balance or license pack code; no code opens a form',
    access: ['admin'],
    account: 'required',
    run: redeemCommand,
  },
  {
    words: ['reload'],
    args: '[<amount> | <devices> <months>]',
    description: 'add to the balance by card (opens a form)',
    access: ['admin'],
    account: 'required',
    run: reloadCommand,
  },
  {
    words: ['devices'],
    args: '[<count>]',
    description: 'this month’s device counts; with a count, record it',
    access: ['admin'],
    account: 'required',
    run: devicesCommand,
  },
  {
    words: ['devices', 'connect'],
    args: '',
    description: 'take the device count from Jamf Pro, counted every hour (opens a form)',
    access: ['admin'],
    account: 'required',
    run: devicesConnectCommand,
  },
  {
    words: ['devices', 'disconnect'],
    args: '',
    description: 'stop taking the device count from Jamf Pro (the readings stay)',
    access: ['admin'],
    account: 'required',
    run: devicesDisconnectCommand,
  },
  {
    words: ['autoreload'],
    args: '',
    description: 'charge the card on file automatically when the runway runs low (opens a form)',
    access: ['admin'],
    account: 'required',
    run: autoReloadCommand,
  },
  {
    words: ['card'],
    args: '[remove]',
    description: 'the card on file for auto-reload; `remove` forgets it (and turns auto-reload off)',
    access: ['admin'],
    account: 'required',
    run: cardCommand,
  },
  {
    words: ['invoices'],
    args: '[<YYYY-MM> | <INV-…>]',
    description: 'the last 12 invoices, or one in full with its page and PDF link',
    access: ['admin', 'finance'],
    account: 'required',
    run: invoicesCommand,
  },
  {
    words: ['history'],
    args: '[<n>]',
    description: 'the last n transfers of the balance (default 10, at most 50)',
    access: ['admin', 'finance'],
    account: 'required',
    run: historyCommand,
  },
  {
    words: ['codes', 'issue'],
    args: '<amount> [x<count>] [expires <YYYY-MM-DD>] [<note…>]',
    description: 'issue 1–500 balance codes, shown to you once',
    access: ['sales'],
    account: 'none',
    run: codesIssue,
  },
  {
    words: ['codes', 'list'],
    args: '[open|redeemed|void]',
    description: 'list codes (last 4 characters only)',
    access: ['sales', 'finance'],
    account: 'none',
    run: codesList,
  },
  {
    words: ['codes', 'void'],
    args: '<code or last 4>',
    description: 'void a code that was not redeemed',
    access: ['sales', 'finance'],
    account: 'none',
    run: codesVoid,
  },
  {
    words: ['adjust'],
    args: '<+amount|-amount> <reason…>',
    description: 'add to or take from the balance, with the reason',
    access: ['finance'],
    account: 'required',
    run: adjustCommand,
  },
  {
    words: ['refund'],
    args: '<payment id> [<amount>]',
    description: 'refund a card reload, if the balance still holds it',
    access: ['finance'],
    account: 'none',
    run: refundCommand,
  },
  {
    words: ['receivables'],
    args: '',
    description: 'what is owed, by account, aged by days past due',
    access: ['finance'],
    account: 'none',
    run: receivablesCommand,
  },
  {
    words: ['invoices', 'pay'],
    args: '<INV-…> <amount> [<reference…>]',
    description: 'record a bank transfer received against an invoice',
    access: ['finance'],
    account: 'none',
    run: invoicesPay,
  },
  {
    words: ['invoices', 'write-off'],
    args: '<INV-…> <reason…>',
    description: 'write off what is outstanding on an invoice, with the reason',
    access: ['finance'],
    account: 'none',
    run: invoicesWriteOff,
  },
  {
    words: ['account', 'create'],
    args: '<name> [<plan>]',
    description: 'set up a customer account',
    access: ['owner'],
    account: 'none',
    run: accountCreate,
  },
  {
    words: ['account', 'link'],
    args: '[<name>]',
    description: 'tie this channel to an account',
    access: ['owner'],
    account: 'none',
    run: accountLink,
  },
  {
    words: ['account', 'plan'],
    args: '<plan>',
    description: 'change the account’s plan',
    access: ['owner'],
    account: 'required',
    run: accountPlan,
  },
  {
    words: ['account', 'admins'],
    args: 'add|remove <@user…>',
    description: 'choose who administers the account',
    access: ['owner'],
    account: 'required',
    run: accountAdmins,
  },
  {
    words: ['config', 'finance-channel'],
    args: '<#channel>',
    description: 'where invoice runs are reported',
    access: ['owner', 'finance'],
    account: 'none',
    run: configFinanceChannel,
  },
  {
    words: ['config', 'alert-channel'],
    args: '<#channel>',
    description: 'where the account’s low-balance alerts go',
    access: ['owner', 'finance'],
    account: 'required',
    run: configAlertChannel,
  },
  {
    words: ['config', 'alert-threshold'],
    args: '<months>',
    description: 'the runway below which the balance counts as low (default 1.0)',
    access: ['owner', 'finance'],
    account: 'required',
    run: configAlertThreshold,
  },
  {
    words: ['roles'],
    args: 'grant|revoke <@user> <sales|finance>',
    description: 'give or take a global role',
    access: ['owner'],
    account: 'none',
    run: rolesCommand,
  },
];

export function usageOf(sub: Pick<Subcommand, 'words' | 'args'>): string {
  return `/balance ${sub.words.join(' ')}${sub.args ? ` ${sub.args}` : ''}`;
}

/** The subcommand the words name (the longest match), and the words left as its arguments. */
export function findSubcommand(tokens: string[]): { sub: Subcommand; args: string[] } | undefined {
  const lowered = tokens.map((t) => t.toLowerCase());
  const matches = SUBCOMMANDS.filter((s) => s.words.every((w, i) => lowered[i] === w));
  const sub = matches.sort((a, b) => b.words.length - a.words.length)[0];
  return sub && { sub, args: tokens.slice(sub.words.length) };
}

/** The subcommands of a group (`account`, `codes`, `config`) when only its first word was given. */
export function groupOf(first: string | undefined): Subcommand[] {
  return SUBCOMMANDS.filter((s) => s.words.length > 1 && s.words[0] === first?.toLowerCase());
}
