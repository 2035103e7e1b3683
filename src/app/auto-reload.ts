import { getAccount } from '../services/accounts.js';
import {
  type AutoReloadCharge,
  applyChargeOutcome,
  type ChargeContext,
  type ChargeResult,
  chargeOfPayment,
  claimInvoiceCharges,
  claimRunwayCharges,
  recoverCharges,
  runCharge,
} from '../services/autoreload.js';
import { customerFor, storeCard, storeCardOfPayment } from '../services/payments/cards.js';
import type { Payment } from '../services/payments/payments.js';
import type { ChargeOutcome } from '../services/payments/provider.js';
import { type SandboxTestCard, sandboxCard } from '../services/payments/sandbox.js';
import { announceCredit } from './reload.js';
import type { Deps } from './types.js';

function chargeContext(deps: Deps): ChargeContext {
  return {
    now: deps.clock.now(),
    timeZone: deps.config.billingTimeZone,
    financeChannel: deps.config.financeChannel,
    currency: deps.config.currency,
  };
}

async function accountName(deps: Deps, accountId: number): Promise<string> {
  return (await getAccount(deps.db, accountId))?.name ?? `account ${accountId}`;
}

/** What follows a charge's answer: a credit is announced like any reload; a decline's messages go out. */
async function afterCharge(deps: Deps, result: ChargeResult): Promise<void> {
  if (result.kind === 'succeeded' && result.confirmation.kind === 'credited') {
    await announceCredit(deps, result.confirmation);
  }
  if (result.kind === 'mismatch') {
    deps.logger.error(
      `auto-reload ${result.charge.id}: the provider's answer disagrees with payment ${result.charge.paymentId} on ${result.fields.join(', ')}`,
    );
  }
  if (result.kind === 'declined') {
    deps.logger.warn(`auto-reload ${result.charge.id} of account ${result.charge.accountId} declined`);
    await deps.outbox.kick();
  }
}

async function chargeAll(deps: Deps, charges: AutoReloadCharge[]): Promise<ChargeResult[]> {
  const results: ChargeResult[] = [];
  for (const charge of charges) {
    const result = await runCharge(deps.db, deps.payments, charge, {
      ...chargeContext(deps),
      accountName: await accountName(deps, charge.accountId),
      logger: deps.logger,
    });
    await afterCharge(deps, result);
    results.push(result);
  }
  return results;
}

/** After a balance check (SPEC §15): runways that fell below an auto-reload threshold are charged. */
export async function autoReloadAfterCheck(deps: Deps, accountIds?: number[]): Promise<ChargeResult[]> {
  return chargeAll(deps, await claimRunwayCharges(deps.db, { ...chargeContext(deps), accountIds }));
}

/** After an invoice run: what it left outstanding is charged, at least the outstanding amount. */
export async function autoReloadAfterInvoiceRun(deps: Deps, runId: number): Promise<ChargeResult[]> {
  return chargeAll(deps, await claimInvoiceCharges(deps.db, { ...chargeContext(deps), runId }));
}

/**
 * The provider's word on an auto-reload's payment (Stripe's `payment_intent.*` webhook): applied as the charge's own
 * answer would be, once. Undefined when the payment is not an auto-reload's.
 */
export async function autoReloadAnswered(
  deps: Deps,
  paymentId: string,
  outcome: ChargeOutcome,
): Promise<ChargeResult | undefined> {
  const charge = await chargeOfPayment(deps.db, paymentId);
  if (!charge) return undefined;
  const result = await applyChargeOutcome(deps.db, charge.id, outcome, chargeContext(deps));
  await afterCharge(deps, result);
  return result;
}

/** Recovery: charges whose answer never came are asked of the provider and resolved. */
export async function recoverAutoReloads(deps: Deps) {
  const recovery = await recoverCharges(deps.db, deps.payments, {
    ...chargeContext(deps),
    logger: deps.logger,
    accountName: (accountId) => accountName(deps, accountId),
  });
  for (const result of recovery.resolved) await afterCharge(deps, result);
  return recovery;
}

/**
 * A paid checkout that asked to keep the card: Stripe's card is read back from the payment; the sandbox page's test
 * card is the one chosen on the page. Replays store the same card again, so a crash after the credit loses nothing.
 */
export async function keepPaidCard(
  deps: Deps,
  payment: Payment,
  sandboxChoice?: SandboxTestCard,
): Promise<void> {
  const now = deps.clock.now();
  if (payment.status !== 'paid') return;
  if (payment.provider === 'stripe') {
    await storeCardOfPayment(deps.db, deps.payments, payment, now);
    return;
  }
  if (!sandboxChoice) return;
  const account = { id: payment.accountId, name: await accountName(deps, payment.accountId) };
  const customerId = await customerFor(deps.db, deps.payments, account, now);
  await storeCard(deps.db, {
    accountId: payment.accountId,
    provider: 'sandbox',
    card: sandboxCard(customerId, sandboxChoice, now),
    paymentId: payment.id,
    now,
  });
}
