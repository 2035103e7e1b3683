import { amountLimitBreach, formatMoney } from '../domain/money.js';
import { UserError } from './errors.js';

/** An amount outside 1.00–10,000,000.00 that a service was asked to mint or move (SPEC §11). */
export class AmountLimitError extends UserError {
  override name = 'AmountLimitError';
}

/**
 * The check every path to money makes before it writes (a reload, a quote, a code, an adjustment), whatever door
 * the request came through: `what` names the thing, e.g. "A quote of 1,000,000 devices × 120 months on Plus".
 */
export function requireWithinLimits(cents: bigint, currency: string, what: string): void {
  const breach = amountLimitBreach(cents, currency);
  if (!breach) return;
  const over = breach.side === 'above' ? 'over' : 'under';
  throw new AmountLimitError(
    `${what} (${formatMoney(cents, currency)}) is ${over} the limit: ${breach.rule}.`,
  );
}
