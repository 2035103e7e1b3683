import { describe, expect, it } from 'vitest';
import { exitOf, startCli, waitForOutput } from '../support/cli.js';

/** The first day of the month after the current one, at `hh`:00 UTC on day `day` of it: a time in the future. */
function nextMonth(day: number, hh = 9): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, day, hh)).toISOString();
}

describe('jobs at the shell prompt (the local owner, on the open embedded database)', () => {
  it('a newcomer sees an invoice, a reminder, a suspension and a settlement in one sitting', async () => {
    const app = await startCli(
      ['start'],
      { DATABASE_URL: 'pglite://memory', PORT: '0' },
      /HTTP routes on port (\d+)/,
    );
    const type = (line: string) => app.child.stdin!.write(`${line}\n`);
    const waitFor = (pattern: RegExp) => waitForOutput(app.output, pattern, 60_000);
    type('/balance account create Acme');
    type('/balance account link Acme');
    type('/balance devices 95'); // 95 × $2.00 = $190.00 a month, nothing on the balance
    await waitFor(/Recorded 95 devices/);

    type(`jobs invoices --now ${nextMonth(1)}`);
    const [, number] = await waitFor(/\[to #local\] Invoice (INV-\d{4}-\d{5})\n/);
    await waitFor(/Amount due: \$190\.00/);
    await waitFor(/run \d+: 1 invoices; months closed: \d{4}-\d{2}/);

    type(`jobs alerts --now ${nextMonth(4)}`);
    await waitFor(
      new RegExp(`\\[to #local\\] ⏰ Payment reminder: ${number} for Acme [^\\n]*\\$190\\.00 outstanding`),
    );
    await waitFor(/1 payment reminders; 0 accounts suspended, 0 restored/);
    type(`jobs alerts --now ${nextMonth(4, 15)}`); // the same day again: no second reminder
    await waitFor(/0 payment reminders; 0 accounts suspended, 0 restored/);

    type(`jobs alerts --now ${nextMonth(9)}`);
    await waitFor(
      /\[to #local\] ⛔ Acme is suspended since \d{4}-\d{2}-09: an invoice is overdue\. Pay \$190\.00 to restore it\./,
    );
    await waitFor(/accounts suspended, 0 restored/);

    // The Pay button on status opens the sandbox checkout for exactly what is owed; paying settles and restores.
    type('/balance status');
    await waitFor(/Suspended since \d{4}-\d{2}-09: pay \$190\.00 to restore/);
    const [, choice] = await waitFor(/\[(\d+)\] Pay \$190\.00 · INV-/);
    type(choice!);
    const [url] = await waitFor(
      new RegExp(`http://localhost:${app.match[1] ?? '\\d+'}/pay/sandbox/pay_[0-9A-Z]{16}`),
    );
    expect((await fetch(url!, { method: 'POST' })).status).toBe(200);
    await waitFor(
      new RegExp(
        `reloaded \\$190\\.00 by card · \\$190\\.00 paid ${number} \\(now paid\\) · the account is restored`,
      ),
    );
    await waitFor(/\[to #local\] ✅ Acme is restored: nothing is overdue any more/);
    type('/balance invoices');
    await waitFor(new RegExp(`${number} · [A-Z][a-z]+ \\d{4} · \\$190\\.00 · paid`));
    type('/balance status');
    await waitFor(/Balance:\s+\$0\.00/);

    // Bad input is one line; the session carries on.
    type('jobs invoices --month 2026-13');
    await waitFor(/--month must be a month like 2026-11; usage: jobs invoices\|alerts/);
    type('jobs payroll');
    await waitFor(/usage: jobs invoices\|alerts\|devices\|recover\|outbox/);
    type('exit');
    expect(await exitOf(app.child)).toBe(0);
    // Day 3's reminder once, then day 7's, caught up on day 8.
    expect(app.output().match(/⏰ Payment reminder: .* is due \d{4}-\d{2}-08\./g)).toHaveLength(1);
    expect(
      app.output().match(/⏰ Payment reminder: .* was due \d{4}-\d{2}-08 and is overdue\./g),
    ).toHaveLength(1);
    expect(app.output().match(/⛔ Acme is suspended/g)).toHaveLength(1);
  }, 180_000);
});
