import { formatMoney, parseAmount } from '../domain/money.js';
import { InsufficientFundsError } from '../ledger/ledger.js';
import type { Account } from '../services/accounts.js';
import { postAdjustment } from '../services/adjustments.js';
import { notice, privately } from './answers.js';
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
  const money = (cents: bigint) => formatMoney(cents, format.currency);
  try {
    const { balanceCents: balance, settlement } = await postAdjustment(ctx.deps.db, {
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
    return privately(
      notice(
        format,
        `${verb} ${money(parsed.cents)} ${sign === '+' ? 'to' : 'from'} `,
        { strong: account!.name },
        ` (${reason})`,
        ...(settlement ? [{ settlement: { format, ...settlement } }] : []),
        '. Balance: ',
        { strong: money(balance) },
        '.',
      ),
    );
  } catch (err) {
    if (!(err instanceof InsufficientFundsError)) throw err;
    return privately(
      notice(
        format,
        'Refused: ',
        { strong: account!.name },
        ` holds ${money(err.balance)}, less than ${money(parsed.cents)}. Nothing was posted.`,
      ),
    );
  }
}
