import { expect, it } from 'vitest';
import { createInteractions } from '../../src/app/interactions.js';
import { outbox } from '../../src/db/schema.js';
import { addAdmins, getAccount, linkChannel } from '../../src/services/accounts.js';
import { reviewSuspensions } from '../../src/services/collections.js';
import { runInvoices } from '../../src/services/invoicing.js';
import { grantRole } from '../../src/services/roles.js';
import { describeDatabases } from '../support/db.js';
import { testDeps } from '../support/deps.js';
import { billedAccount } from '../support/fixtures.js';
import { person } from '../support/people.js';
import { OWNER, testConfig } from '../support/slack.js';

// A redemption is a credit like any other (SPEC §14): it settles the overdue invoice, restores the suspended account,
// and finance hears of it in FINANCE_CHANNEL when no finance channel was set in Slack.
describeDatabases('a redemption that restores a suspended account', (t) => {
  it('tells the billing channel and FINANCE_CHANNEL', async () => {
    const TZ = 'UTC';
    const config = testConfig({ FINANCE_CHANNEL: 'C0FINENV', BILLING_TIMEZONE: TZ });
    const acme = await billedAccount(t.db, 'Acme', 95); // $190.00 for November, nothing to pay it with
    await linkChannel(t.db, 'C0ACME', acme.id, OWNER);
    await addAdmins(t.db, acme.id, [person('admin')], OWNER);
    await grantRole(t.db, person('sales'), 'sales', OWNER);
    await runInvoices(t.db, { now: new Date('2026-12-01T00:00:00Z'), timeZone: TZ, paymentTermsDays: 7 });
    await reviewSuspensions(t.db, { now: new Date('2026-12-09T09:00:00Z'), timeZone: TZ });
    expect((await getAccount(t.db, acme.id))?.suspendedSince).not.toBeNull();

    const interactions = createInteractions(await testDeps(t.db, { config, at: '2026-12-10T10:00:00Z' }));
    const ask = async (who: 'sales' | 'admin', text: string) =>
      (await interactions.command({ ...person(who), channelId: 'C0ACME', requestId: `t.${text}` }, text))[0];
    const issued = await ask('sales', 'codes issue 200');
    const code =
      issued?.kind === 'private' && issued.message.kind === 'issued_codes' && issued.message.model.codes[0];
    if (!code) throw new Error('no code issued');
    await ask('admin', `redeem ${code.code}`);

    expect((await getAccount(t.db, acme.id))?.suspendedSince).toBeNull();
    const restored = (await t.db.select().from(outbox).orderBy(outbox.id)).filter(
      (o) => (o.payload as { type: string }).type === 'account_restored',
    );
    expect(restored.map((o) => o.channelId)).toEqual(['C0ACME', 'C0FINENV']);
  });
});
