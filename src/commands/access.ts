import type { Db } from '../db/client.js';
import { describeInput } from '../domain/money.js';
import type { Account } from '../services/accounts.js';
import { accountForChannel, findAccountByName, getAccount } from '../services/accounts.js';
import type { Roles } from '../services/roles.js';
import { UsageError } from './args.js';

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

/** "`/balance status` needs admin of Acme, finance or sales." */
export function refusal(command: string, access: Role[], account?: Account): string {
  const names = access.map((role) =>
    role === 'admin' && account ? `an admin of ${describeInput(account.name)}` : ROLE_NAMES[role],
  );
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names[0];
  return `\`/balance ${command}\` needs ${list}. Ask an owner if you should have access.`;
}

/** Who may read an account's figures: its admins, finance, sales, owners. */
export function canRead(roles: Roles, account: Account): boolean {
  return roles.owner || roles.finance || roles.sales || roles.adminOf.includes(account.id);
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
    if (!account) throw new UsageError(`There is no account named "${describeInput(input.named)}".`);
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
