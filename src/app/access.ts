import type { Db } from '../db/client.js';
import { describeInput } from '../domain/money.js';
import type { Account } from '../services/accounts.js';
import { accountForChannel, findAccountByName, getAccount } from '../services/accounts.js';
import type { Roles } from '../services/roles.js';
import { UsageError } from './command-args.js';

/** The roles of SPEC §3; `admin` means admin of the account the command acts on. */
export type Role = 'owner' | 'finance' | 'sales' | 'admin';
export type Access = 'anyone' | Role[];

const ROLE_NAMES: Record<Role, string> = {
  owner: 'an owner',
  finance: 'finance',
  sales: 'sales',
  admin: 'an admin',
};

/** Whether the user holds one of the roles (owners hold every role). `admin` needs admin of `account`, or of any
 * account when no account is known yet. */
export function allows(access: Access, roles: Roles, account?: Account): boolean {
  if (access === 'anyone' || roles.owner) return true;
  return access.some((role) => {
    if (role === 'admin') return account ? roles.adminOf.includes(account.id) : roles.adminOf.length > 0;
    return role !== 'owner' && roles[role];
  });
}

/**
 * "`/balance status` needs admin of Acme, finance or sales." The account is named only to someone who may read it:
 * a refusal never tells an outsider which account names (or ids) exist (SPEC §11).
 */
export function refusal(command: string, access: Role[], roles: Roles, account?: Account): string {
  const shown = account && canRead(roles, account) ? account : undefined;
  const names = access.map((role) =>
    role === 'admin' && shown ? `an admin of ${describeInput(shown.name)}` : ROLE_NAMES[role],
  );
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names[0];
  return `\`/balance ${command}\` needs ${list}. Ask an owner if you should have access.`;
}

/** Who may read an account's figures: its admins, finance, sales, owners. */
export function canRead(roles: Roles, account: Account): boolean {
  return readsEveryAccount(roles) || roles.adminOf.includes(account.id);
}

function readsEveryAccount(roles: Roles): boolean {
  return roles.owner || roles.finance || roles.sales;
}

/**
 * The account a command acts on (SPEC §3): `--account <name>`, else the channel's linked account, else the one
 * account the user administers; otherwise the user is asked to choose.
 */
export async function resolveAccount(
  db: Db,
  input: { named?: string; channelId?: string; roles: Roles; channelAccount?: Account | null },
): Promise<Account> {
  if (input.named !== undefined) {
    const account = await findAccountByName(db, input.named);
    // One answer whether the account is missing or only closed to this user: no name is confirmed to an outsider.
    if (!account || !canRead(input.roles, account)) {
      const shown = describeInput(input.named);
      throw new UsageError(
        readsEveryAccount(input.roles)
          ? `There is no account named "${shown}".`
          : `None of your accounts is named "${shown}".`,
      );
    }
    return account;
  }
  const linked =
    input.channelAccount !== undefined
      ? input.channelAccount
      : input.channelId
        ? await accountForChannel(db, input.channelId)
        : undefined;
  if (linked) return linked;
  if (input.roles.adminOf.length === 1) {
    const own = await getAccount(db, input.roles.adminOf[0]!);
    if (own) return own;
  }
  throw new UsageError(
    'Which account? Run the command in the account’s linked channel, or add `--account <name>`.',
  );
}

/** Like resolveAccount, but quiet: undefined when no single account is meant or the user may not read it. */
export async function contextAccount(
  db: Db,
  input: { named?: string; channelId?: string; roles: Roles; channelAccount?: Account | null },
): Promise<Account | undefined> {
  try {
    const account = await resolveAccount(db, input);
    return canRead(input.roles, account) ? account : undefined;
  } catch (err) {
    if (err instanceof UsageError && input.named === undefined) return undefined;
    throw err;
  }
}
