import type { Db } from '../../src/db/client.js';
import type { Identity } from '../../src/domain/identity.js';
import { addAdmins, createAccount, linkChannel } from '../../src/services/accounts.js';
import { grantRole } from '../../src/services/roles.js';
import { OWNER, TEAM } from './slack.js';

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
export { OTHER_TEAM, TEAM } from './slack.js';

/** A person of the installed workspace (TEAM), as roles and admins store them. */
export function person(who: Person): Identity {
  return { teamId: TEAM, userId: PEOPLE[who] };
}

/** The `user` of an interaction payload (block_actions, view_submission) for a person, with their team as Slack
 * sends it. */
export function slackUser(who: Person, teamId: string = TEAM) {
  return { id: PEOPLE[who], team_id: teamId };
}

export async function seedPeople(db: Db) {
  const acme = await createAccount(db, { name: 'Acme', planCode: 'plus', actor: OWNER });
  await addAdmins(db, acme.id, [person('admin')], OWNER);
  await linkChannel(db, ACME_CHANNEL, acme.id, OWNER);
  await grantRole(db, person('finance'), 'finance', OWNER);
  await grantRole(db, person('sales'), 'sales', OWNER);
  return { acme };
}
