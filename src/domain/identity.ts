// Who a person is (SPEC §11): a Slack user id is unique only within its workspace, so a person is the pair of
// their team id and user id. Roles, admins and owners name both; a user of another workspace (a Slack Connect
// channel) has no role until one is granted to that pair.

export interface Identity {
  teamId: string;
  userId: string;
}

/** A person as an owner writes them (BALANCE_OWNERS, `roles grant`): `T…:U…`, or a bare user id, which means a
 * user of the workspace the app is installed in. */
export interface PersonRef {
  teamId?: string;
  userId: string;
}

export const TEAM_ID = /^T[A-Z0-9]+$/;
export const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** `T123:U456` or `U456`; undefined for anything else. */
export function parsePersonRef(text: string): PersonRef | undefined {
  const [first, second, ...rest] = text.split(':');
  if (rest.length > 0 || first === undefined) return undefined;
  if (second === undefined) return USER_ID.test(first) ? { userId: first } : undefined;
  return TEAM_ID.test(first) && USER_ID.test(second) ? { teamId: first, userId: second } : undefined;
}

export function resolvePerson(ref: PersonRef, installedTeam: string): Identity {
  return { teamId: ref.teamId ?? installedTeam, userId: ref.userId };
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return a.teamId === b.teamId && a.userId === b.userId;
}

/** The people once each, in their first order. */
export function uniqueIdentities(identities: Identity[]): Identity[] {
  return identities.filter((person, at) => identities.findIndex((p) => sameIdentity(p, person)) === at);
}
