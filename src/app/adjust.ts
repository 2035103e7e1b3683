import { parseAmount } from '../domain/money.js';
import { InsufficientFundsError } from '../ledger/ledger.js';
import type { Account } from '../services/accounts.js';
import { postAdjustment } from '../services/adjustments.js';
import { noticeMessage } from '../slack/render/common.js';
import { money, userText } from '../slack/render/mrkdwn-text.js';
import { balanceChanged } from './balance-changed.js';
import { capitalize, plainText, UsageError } from './command-args.js';
import { requestIdOf } from './request-id.js';
import type { CommandContext, Reply } from './types.js';
import { formatOf } from './view-mappers.js';

const MAX_REASON = 200;

/**
 * `adjust <+amount|-amount> <reason…>` (finance): a credit from, or a debit to, the adjustments account, posted
 * once per request (a retried command is told it was posted). A debit larger than the balance is refused.
 */
export async function adjustCommand(
  ctx: CommandContext,
  args: string[],
  account?: Account,
): Promise<Reply[]> {
  const [signed, ...words] = args;
  const sign = signed?.[0];
  if (!signed || (sign !== '+' && sign !== '-')) {
    throw new UsageError(
      'Start with the amount and its sign: `+100` adds to the balance, `-100` takes from it.',
    );
  }
  const parsed = parseAmount(signed.slice(1), ctx.deps.config.currency);
  if (!parsed.ok) throw new UsageError(capitalize(parsed.error));
  if (words.join('').trim() === '')
    throw new UsageError('Give the reason after the amount; it is kept with the adjustment.');
  const reason = plainText(words.join(' '), { what: 'The reason', max: MAX_REASON });
  const format = formatOf(ctx.deps);
  try {
    const { balanceCents: balance } = await postAdjustment(ctx.deps.db, {
      accountId: account!.id,
      direction: sign === '+' ? 'credit' : 'debit',
      amountCents: parsed.cents,
      currency: ctx.deps.config.currency,
      reason,
      requestId: requestIdOf(ctx.actor),
      actor: ctx.actor.userId,
      now: ctx.now,
      timeZone: ctx.deps.config.billingTimeZone,
      financeChannel: ctx.deps.config.financeChannel,
    });
    balanceChanged(ctx.deps, account!.id);
    const verb = sign === '+' ? 'Added' : 'Took';
    return [
      {
        kind: 'private',
        message: noticeMessage(
          `${verb} ${money(parsed.cents, format)} ${sign === '+' ? 'to' : 'from'} *${userText(account!.name, 80)}* (${userText(reason, MAX_REASON)}). Balance: *${money(balance, format)}*.`,
        ),
      },
    ];
  } catch (err) {
    if (!(err instanceof InsufficientFundsError)) throw err;
    return [
      {
        kind: 'private',
        message: noticeMessage(
          `Refused: *${userText(account!.name, 80)}* holds ${money(err.balance, format)}, less than ${money(parsed.cents, format)}. Nothing was posted.`,
        ),
      },
    ];
  }
}
