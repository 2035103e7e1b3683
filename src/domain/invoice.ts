// What one account owes for one billing month (SPEC §8), and the lines an invoice shows. Pure integer
// arithmetic in minor units: counts become bigint before any multiplication, nothing is ever a float.

import { z } from 'zod';
import { billableDevices } from './devices.js';
import { describeInput, groupDigits } from './money.js';
import { monthlyCost, nonNegative } from './pricing.js';

/** `INV-YYYY-NNNNN`: the billing month's year and a gapless number within it, five digits or more. */
export function formatInvoiceNumber(year: string, n: number): string {
  if (!/^[1-9]\d{3}$/.test(year) || !Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`not an invoice number: ${year}/${n}`);
  }
  return `INV-${year}-${String(n).padStart(5, '0')}`;
}

/** The exact form of an invoice number (a path, a stored row); typed text goes through `invoiceNumberSchema`. */
export const INVOICE_NUMBER = /^INV-[1-9]\d{3}-(?:\d{5}|[1-9]\d{5,8})$/;

/** An invoice number as typed (any case, spaces around it), in exactly the format `formatInvoiceNumber` makes. */
export const invoiceNumberSchema = z
  .string()
  .trim()
  .toUpperCase()
  .refine((v) => INVOICE_NUMBER.test(v), {
    error: (issue) =>
      `"${describeInput(String(issue.input))}" is not an invoice number (INV-YYYY-NNNNN, e.g. INV-2026-00002).`,
  });

export function parseInvoiceNumber(
  text: string,
): { ok: true; number: string } | { ok: false; error: string } {
  const parsed = invoiceNumberSchema.safeParse(text);
  return parsed.success
    ? { ok: true, number: parsed.data }
    : { ok: false, error: parsed.error.issues[0]?.message ?? 'not an invoice number' };
}

/** The figures an invoice row keeps (a snapshot of what was billed). */
export type InvoiceFigures = {
  unitPriceCents: bigint;
  /** The highest device count in effect during the month. */
  billedDevices: number;
  /** Devices license packs covered that month (may be more than were billed). */
  coveredDevices: number;
  /** max(billed − covered, 0). */
  billableDevices: number;
  /** billable × unit price. */
  chargeCents: bigint;
  paidFromBalanceCents: bigint;
  amountDueCents: bigint;
};

export type InvoiceLineKind = 'usage' | 'coverage' | 'paid_from_balance' | 'amount_due';

export type InvoiceLine = {
  kind: InvoiceLineKind;
  label: string;
  /** Devices, for the lines priced per device; null otherwise. */
  quantity: number | null;
  unitPriceCents: bigint | null;
  /** Negative for what is taken off (coverage, what the balance paid). */
  amountCents: bigint;
};

export type Charge = {
  billableDevices: number;
  chargeCents: bigint;
  paidFromBalanceCents: bigint;
  amountDueCents: bigint;
  status: 'paid' | 'due';
};

/**
 * An invoice's lines, in order: usage (billed × unit price); coverage by license packs (only when the account had
 * any: −(billed − billable) × unit price); what the balance paid (−paid); the amount due (always, even $0.00).
 * For figures as `chargeFor` makes them, usage + coverage = charge = paid + due.
 */
export function invoiceLines(f: InvoiceFigures): InvoiceLine[] {
  const lines: InvoiceLine[] = [
    {
      kind: 'usage',
      label: 'Devices (highest count in the month)',
      quantity: f.billedDevices,
      unitPriceCents: f.unitPriceCents,
      amountCents: BigInt(f.billedDevices) * f.unitPriceCents,
    },
  ];
  if (f.coveredDevices > 0) {
    // The coverage applied: never more devices than were billed, whatever the packs hold.
    const applied = Math.max(f.billedDevices - f.billableDevices, 0);
    const label =
      applied < f.coveredDevices
        ? `License packs cover ${devices(applied)} (up to ${groupDigits(f.coveredDevices)}; ${groupDigits(f.billedDevices)} billed)`
        : `License packs cover ${devices(applied)}`;
    lines.push({
      kind: 'coverage',
      label,
      quantity: applied,
      unitPriceCents: f.unitPriceCents,
      amountCents: -(BigInt(applied) * f.unitPriceCents),
    });
  }
  lines.push(
    {
      kind: 'paid_from_balance',
      label: 'Paid from balance',
      quantity: null,
      unitPriceCents: null,
      amountCents: -f.paidFromBalanceCents,
    },
    {
      kind: 'amount_due',
      label: 'Amount due',
      quantity: null,
      unitPriceCents: null,
      amountCents: f.amountDueCents,
    },
  );
  return lines;
}

/**
 * What a month costs and how it is paid: billable = max(billed − covered, 0), charge = billable × unit price,
 * the wallet pays min(charge, balance) — it never goes below zero — and the rest is due.
 */
export function chargeFor(
  billedDevices: number,
  coveredDevices: number,
  unitPriceCents: bigint,
  balanceCents: bigint,
): Charge {
  nonNegative(balanceCents, 'balance');
  const chargeCents = monthlyCost(billedDevices, coveredDevices, unitPriceCents);
  const paidFromBalanceCents = chargeCents < balanceCents ? chargeCents : balanceCents;
  const amountDueCents = chargeCents - paidFromBalanceCents;
  return {
    billableDevices: billableDevices(billedDevices, coveredDevices),
    chargeCents,
    paidFromBalanceCents,
    amountDueCents,
    status: amountDueCents === 0n ? 'paid' : 'due',
  };
}

function devices(n: number): string {
  return `${groupDigits(n)} ${n === 1 ? 'device' : 'devices'}`;
}
