import type { Db } from '../../src/db/client.js';
import { addAdmins, createAccount, linkChannel } from '../../src/services/accounts.js';
import { grantRole } from '../../src/services/roles.js';
import { OWNER } from './slack.js';

/** One person per role, and an account "Acme" (plus, linked to #acme) that ADMIN runs. */
export const PEOPLE = {
  owner: OWNER,
  finance: 'UFINANCE1',
  sales: 'USALES1',
  admin: 'UADMIN1',
  nobody: 'UNOBODY1',
} as const;
export type Person = keyof typeof PEOPLE;
export const ACME_CHANNEL = 'C0ACME';

export async function seedPeople(db: Db) {
  const acme = await createAccount(db, { name: 'Acme', planCode: 'plus', actor: OWNER });
  await addAdmins(db, acme.id, [PEOPLE.admin], OWNER);
  await linkChannel(db, ACME_CHANNEL, acme.id, OWNER);
  await grantRole(db, PEOPLE.finance, 'finance', OWNER);
  await grantRole(db, PEOPLE.sales, 'sales', OWNER);
  return { acme };
}
