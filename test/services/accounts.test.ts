import { expect, it } from 'vitest';
import { walletBalance } from '../../src/ledger/ledger.js';
import {
  accountForChannel,
  accountsAdministeredBy,
  addAdmins,
  addPlan,
  adminsOf,
  createAccount,
  findAccountByName,
  getAccount,
  linkChannel,
  listPlans,
  removeAdmins,
  setAccountPlan,
} from '../../src/services/accounts.js';
import { UserError } from '../../src/services/errors.js';
import { grantRole, revokeRole, rolesOf } from '../../src/services/roles.js';
import { describeDatabases } from '../support/db.js';

/** A person of workspace T1 (or of `teamId`). */
const at = (userId: string, teamId = 'T1') => ({ teamId, userId });

describeDatabases('accounts, plans and roles', (t) => {
  it('seeds standard at $2.00 and plus at $4.00', async () => {
    const plans = await listPlans(t.db);
    expect(plans.map((p) => [p.code, p.priceCents])).toEqual([
      ['standard', 200n],
      ['plus', 400n],
    ]);
  });

  it('creates an account with an empty wallet; names are unique regardless of case', async () => {
    const acme = await createAccount(t.db, { name: ' Acme Corp ', planCode: 'plus', actor: 'U1' });
    expect(acme).toMatchObject({ name: 'Acme Corp', planCode: 'plus', alertThresholdTenths: 10 });
    expect(await walletBalance(t.db, acme.id)).toBe(0n);
    await expect(
      createAccount(t.db, { name: 'ACME corp', planCode: 'standard', actor: 'U1' }),
    ).rejects.toThrow('An account named "ACME corp" already exists.');
    expect((await findAccountByName(t.db, 'acme CORP'))?.id).toBe(acme.id);
  });

  it('refuses an unknown plan, naming the plans there are', async () => {
    await expect(createAccount(t.db, { name: 'X', planCode: 'gold', actor: 'U1' })).rejects.toThrow(
      'There is no plan "gold". Plans: standard, plus.',
    );
    expect(await findAccountByName(t.db, 'X')).toBeUndefined();
  });

  it('lets owners add plans with a valid code and price', async () => {
    await addPlan(t.db, { code: 'edu', name: 'Education', priceCents: 100n });
    expect((await listPlans(t.db)).map((p) => p.code)).toEqual(['edu', 'standard', 'plus']);
    await expect(addPlan(t.db, { code: 'Bad Code', name: 'x', priceCents: 100n })).rejects.toBeInstanceOf(
      UserError,
    );
    await expect(addPlan(t.db, { code: 'free', name: 'x', priceCents: 0n })).rejects.toBeInstanceOf(
      UserError,
    );
    // A name that would read differently from what it holds (a right-to-left override) is refused too.
    await expect(addPlan(t.db, { code: 'gold', name: 'Gold\u202e', priceCents: 500n })).rejects.toThrow(
      new UserError('A plan name is 1–80 characters of plain text (no control or invisible characters).'),
    );
    expect((await listPlans(t.db)).map((p) => p.code)).toEqual(['edu', 'standard', 'plus']);
  });

  it('changes an account plan', async () => {
    const acme = await createAccount(t.db, { name: 'Acme', planCode: 'standard', actor: 'U1' });
    await setAccountPlan(t.db, acme.id, 'plus');
    expect((await getAccount(t.db, acme.id))?.planCode).toBe('plus');
  });

  it('adds and removes admins, reporting only real changes', async () => {
    const acme = await createAccount(t.db, { name: 'Acme', planCode: 'standard', actor: 'U1' });
    expect(await addAdmins(t.db, acme.id, [at('UA'), at('UB')], 'U1')).toEqual([at('UA'), at('UB')]);
    expect(await addAdmins(t.db, acme.id, [at('UA')], 'U1')).toEqual([]);
    expect(await removeAdmins(t.db, acme.id, [at('UB'), at('UC')])).toEqual([at('UB')]);
    expect(await adminsOf(t.db, acme.id)).toEqual([at('UA')]);
    expect((await accountsAdministeredBy(t.db, at('UA'))).map((a) => a.name)).toEqual(['Acme']);
    // The same user id in another workspace is another person: not an admin, and not removed with them.
    expect(await accountsAdministeredBy(t.db, at('UA', 'T2OTHER'))).toEqual([]);
    expect(await removeAdmins(t.db, acme.id, [at('UA', 'T2OTHER')])).toEqual([]);
    expect(await adminsOf(t.db, acme.id)).toEqual([at('UA')]);
  });

  it('links a channel to one account, moving it on relink, and makes it the billing channel', async () => {
    const acme = await createAccount(t.db, { name: 'Acme', planCode: 'standard', actor: 'U1' });
    const globex = await createAccount(t.db, { name: 'Globex', planCode: 'standard', actor: 'U1' });
    await linkChannel(t.db, 'C1', acme.id, 'U1');
    expect((await accountForChannel(t.db, 'C1'))?.id).toBe(acme.id);
    await linkChannel(t.db, 'C1', globex.id, 'U1');
    expect((await accountForChannel(t.db, 'C1'))?.id).toBe(globex.id);
    expect((await getAccount(t.db, acme.id))?.billingChannelId).toBe('C1');
    expect(await accountForChannel(t.db, 'C2')).toBeUndefined();
  });

  it('knows each user’s roles: owners from the configuration, granted roles, administered accounts', async () => {
    const acme = await createAccount(t.db, { name: 'Acme', planCode: 'standard', actor: 'U1' });
    await addAdmins(t.db, acme.id, [at('UADMIN')], 'U1');
    expect(await grantRole(t.db, at('UFIN'), 'finance', 'U1')).toBe(true);
    expect(await grantRole(t.db, at('UFIN'), 'finance', 'U1')).toBe(false);
    await grantRole(t.db, at('USALES'), 'sales', 'U1');
    const owners = [at('U1')];
    expect(await rolesOf(t.db, at('U1'), owners)).toEqual({
      teamId: 'T1',
      userId: 'U1',
      owner: true,
      finance: false,
      sales: false,
      adminOf: [],
    });
    expect(await rolesOf(t.db, at('UFIN'), owners)).toMatchObject({
      owner: false,
      finance: true,
      sales: false,
    });
    expect(await rolesOf(t.db, at('USALES'), owners)).toMatchObject({ sales: true, finance: false });
    expect(await rolesOf(t.db, at('UADMIN'), owners)).toMatchObject({ adminOf: [acme.id] });
    // Each role names the team: the same user ids in another workspace hold none of them.
    for (const userId of ['U1', 'UFIN', 'USALES', 'UADMIN']) {
      expect(await rolesOf(t.db, at(userId, 'T2OTHER'), owners)).toEqual({
        teamId: 'T2OTHER',
        userId,
        owner: false,
        finance: false,
        sales: false,
        adminOf: [],
      });
    }
    expect(await revokeRole(t.db, at('UFIN', 'T2OTHER'), 'finance')).toBe(false);
    expect(await revokeRole(t.db, at('UFIN'), 'finance')).toBe(true);
    expect((await rolesOf(t.db, at('UFIN'), [])).finance).toBe(false);
  });
});
