import { parseAmount } from '../../domain/money.js';
import { InsufficientFundsError } from '../../ledger/ledger.js';
import type { Account } from '../../services/accounts.js';
import { adjustBalance } from '../../services/adjustments.js';
import { noticeMessage } from '../../slack/blocks/common.js';
import { money, userText } from '../../slack/blocks/format.js';
import { capitalize, UsageError } from '../args.js';
import type { CommandContext, Reply } from '../types.js';
import { balanceChanged } from './balance-changed.js';
import { formatOf } from './format.js';

const MAX_REASON = 200;

/**
 * `adjust <+amount|-amount> <reason…>` (finance): a credit from, or a debit to, the adjustments account, under the
 * key `adjust:<request id>` so a retried command posts once. A debit larger than the balance is refused.
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
  const reason = words.join(' ').trim();
  if (!reason) throw new UsageError('Give the reason after the amount; it is kept with the adjustment.');
  if (reason.length > MAX_REASON) throw new UsageError(`The reason holds at most ${MAX_REASON} characters.`);
  const format = formatOf(ctx.deps);
  try {
    const { replayed, balanceCents: balance } = await adjustBalance(ctx.deps.db, {
      accountId: account!.id,
      direction: sign === '+' ? 'credit' : 'debit',
      amountCents: parsed.cents,
      reason,
      actor: ctx.actor.userId,
      requestKey: ctx.actor.requestId ?? `${ctx.actor.userId}:${ctx.now.toISOString()}`,
      now: ctx.now,
      timeZone: ctx.deps.config.billingTimeZone,
      financeChannel: ctx.deps.config.financeChannel,
    });
    if (!replayed) balanceChanged(ctx.deps, account!.id);
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
