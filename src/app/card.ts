import type { Account } from '../services/accounts.js';
import { cardOf, removeCard } from '../services/payments/cards.js';
import { balanceChanged } from './balance-changed.js';
import { noMoreArguments, UsageError } from './command-args.js';
import type { CommandContext, Reply } from './types.js';

/**
 * `card` shows the card on file; `card remove` forgets it and turns auto-reload off (SPEC §15). Only its brand,
 * last 4 and expiry are known here: the number never reached Balance.
 */
export async function cardCommand(ctx: CommandContext, args: string[], account?: Account): Promise<Reply[]> {
  const { db } = ctx.deps;
  if (args.length > 0 && args[0]!.toLowerCase() !== 'remove') {
    throw new UsageError('`card` takes nothing, or `remove`.');
  }
  noMoreArguments(args, args.length === 0 ? 0 : 1);
  if (args.length === 0) {
    const card = await cardOf(db, account!.id);
    return [
      {
        kind: 'private',
        message: { kind: 'card', model: { accountName: account!.name, card: card ?? null, removed: false } },
      },
    ];
  }
  const removed = await removeCard(db, ctx.deps.payments, {
    accountId: account!.id,
    by: ctx.actor.userId,
    now: ctx.now,
  });
  if (removed) balanceChanged(ctx.deps, account!.id);
  return [
    {
      kind: 'private',
      message: { kind: 'card', model: { accountName: account!.name, card: removed ?? null, removed: true } },
    },
  ];
}
