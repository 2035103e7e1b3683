import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { autoReloadSettings, providerCustomers, savedCards } from '../../db/schema.js';
import { UserError } from '../errors.js';
import type { Payment } from './payments.js';
import type { CardOnFile, PaymentProvider } from './provider.js';

export type SavedCard = typeof savedCards.$inferSelect;

/**
 * The account's customer at the provider (SPEC §15), created once: the row and its random key are written first, so
 * concurrent checkouts and a retry after a crash all send the same key and get the same customer. The random part
 * keeps keys of databases that share one Stripe account apart (account ids restart).
 */
export async function customerFor(
  db: Db,
  provider: PaymentProvider,
  account: { id: number; name: string },
  now: Date,
): Promise<string> {
  await db
    .insert(providerCustomers)
    .values({
      accountId: account.id,
      provider: provider.name,
      requestKey: `customer:${account.id}:${randomBytes(8).toString('hex')}`,
      createdAt: now,
    })
    .onConflictDoNothing();
  const where = and(
    eq(providerCustomers.accountId, account.id),
    eq(providerCustomers.provider, provider.name),
  );
  const [row] = await db.select().from(providerCustomers).where(where);
  if (row!.customerId) return row!.customerId;
  const customerId = await provider.createCustomer({
    idempotencyKey: row!.requestKey,
    accountName: account.name,
  });
  await db
    .update(providerCustomers)
    .set({ customerId })
    .where(and(where, isNull(providerCustomers.customerId)));
  return customerId;
}

/** Keeps the card a checkout saved as the account's card on file, replacing an older one (the newest wins). */
export async function storeCard(
  db: Db,
  input: { accountId: number; provider: Payment['provider']; card: CardOnFile; paymentId: string; now: Date },
): Promise<SavedCard> {
  const values = {
    accountId: input.accountId,
    provider: input.provider,
    ...input.card,
    paymentId: input.paymentId,
    savedAt: input.now,
  };
  const [saved] = await db
    .insert(savedCards)
    .values(values)
    .onConflictDoUpdate({ target: savedCards.accountId, set: values })
    .returning();
  return saved!;
}

/**
 * After a paid checkout that asked to save the card: the card the provider kept is read back and stored. A payment
 * that did not ask, or whose provider kept none, stores nothing.
 */
export async function storeCardOfPayment(
  db: Db,
  provider: PaymentProvider,
  payment: Payment,
  now: Date,
): Promise<SavedCard | undefined> {
  if (!payment.saveCard || payment.status !== 'paid' || !payment.providerPaymentRef) return undefined;
  const card = await provider.savedCardOf(payment.providerPaymentRef);
  if (!card) return undefined;
  return storeCard(db, {
    accountId: payment.accountId,
    provider: payment.provider,
    card,
    paymentId: payment.id,
    now,
  });
}

export async function cardOf(db: Db, accountId: number): Promise<SavedCard | undefined> {
  const [card] = await db.select().from(savedCards).where(eq(savedCards.accountId, accountId));
  return card;
}

/**
 * `/balance card remove`: the card is detached at the provider first, then forgotten and auto-reload, which needs it,
 * turned off in one transaction. If the provider does not answer nothing is written, so the card is either gone in
 * both places or still on file in both (a card saved with another provider than the configured one cannot be
 * reached and is only forgotten here).
 */
export async function removeCard(
  db: Db,
  provider: PaymentProvider,
  input: { accountId: number; by: string; now: Date },
): Promise<SavedCard | undefined> {
  const card = await cardOf(db, input.accountId);
  if (!card) return undefined;
  if (card.provider === provider.name) {
    await provider.detachCard(card.paymentMethodId).catch((err: unknown) => {
      throw new CardNotDetachedError(err instanceof Error ? err.message : String(err));
    });
  }
  return db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(savedCards)
      .where(
        and(eq(savedCards.accountId, input.accountId), eq(savedCards.paymentMethodId, card.paymentMethodId)),
      )
      .returning();
    if (!removed) return undefined;
    await tx
      .update(autoReloadSettings)
      .set({
        enabled: false,
        disabledReason: 'the card was removed',
        disabledAt: input.now,
        updatedBy: input.by,
      })
      .where(and(eq(autoReloadSettings.accountId, input.accountId), eq(autoReloadSettings.enabled, true)));
    return removed;
  });
}

/** The provider did not detach the card: nothing was changed. */
export class CardNotDetachedError extends UserError {
  constructor(readonly reason: string) {
    super(
      'The payment provider did not answer, so the card is still on file and auto-reload is unchanged. Try again in a moment.',
    );
  }
}
