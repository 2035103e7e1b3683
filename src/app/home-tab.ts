import { ownerIdentities } from '../config.js';
import { type Identity, uniqueIdentities } from '../domain/identity.js';
import { walletHistory } from '../ledger/ledger.js';
import {
  type Account,
  accountsAdministeredBy,
  adminsOf,
  getAccount,
  listAccounts,
} from '../services/accounts.js';
import { homeSelection, selectHomeAccount, usersViewingAccount } from '../services/home-selection.js';
import { namedInvoices } from '../services/invoicing.js';
import { type Roles, rolesOf } from '../services/roles.js';
import { accountOverview } from '../services/summary.js';
import { collectionsModel } from './collections-view.js';
import type { Deps } from './types.js';
import { formatOf, invoiceModel, transferLine } from './view-mappers.js';
import { HOME_LISTS, type HomeAccountModel, type HomeModel } from './views.js';

/** A static select holds at most 100 options. */
const PICKER_OPTIONS = 100;

/** The Home tab of one person (SPEC §5): their accounts, or a picker of all accounts for finance, sales and owners. */
export async function buildHome(deps: Deps, person: Identity): Promise<HomeModel> {
  const { db, config, clock } = deps;
  const roles = await rolesOf(db, person, ownerIdentities(config));
  const own = await accountsAdministeredBy(db, person);
  const seesAll = roles.owner || roles.finance || roles.sales;
  // Finance and sales pick among every account: the picker loads only what it can show, plus their pick.
  const choices = seesAll ? await listAccounts(db, PICKER_OPTIONS) : own;
  const usePicker = seesAll || own.length > HOME_LISTS.fullAccounts;
  const selectedId = usePicker ? await homeSelection(db, person) : undefined;
  const picked =
    choices.find((a) => a.id === selectedId) ??
    (seesAll && selectedId !== undefined ? await getAccount(db, selectedId) : undefined);
  const selected = picked ?? (usePicker ? (own[0] ?? choices[0]) : undefined);
  const shown = usePicker ? (selected ? [selected] : []) : own;
  const now = clock.now();
  const accounts = await Promise.all(shown.map((account) => homeAccount(deps, account, now, roles)));
  return {
    format: formatOf(deps),
    accounts,
    picker: usePicker
      ? {
          options: withSelected(choices, selected).map((a) => ({ id: a.id, name: a.name })),
          selectedId: selected?.id ?? null,
        }
      : null,
  };
}

/** The picker's options, the selected account among them even when it is not in the first page. */
function withSelected(choices: Account[], selected: Account | undefined): Account[] {
  const page = choices.slice(0, PICKER_OPTIONS);
  if (!selected || page.some((a) => a.id === selected.id)) return page;
  return [...page.slice(0, PICKER_OPTIONS - 1), selected];
}

async function homeAccount(deps: Deps, account: Account, now: Date, roles: Roles): Promise<HomeAccountModel> {
  const [{ summary, source, openInvoices }, recent, invoices] = await Promise.all([
    accountOverview(deps.db, account, now, deps.config.billingTimeZone),
    walletHistory(deps.db, account.id, HOME_LISTS.recentTransfers),
    namedInvoices(deps.db, { accountId: account.id, limit: HOME_LISTS.invoices }),
  ]);
  const collections = collectionsModel({ deps, roles, now }, account, openInvoices);
  const format = formatOf(deps);
  return {
    summary,
    source,
    recent: recent.map(transferLine),
    invoices: invoices.map((i) => invoiceModel(i, format)),
    collections,
  };
}

export async function publishHome(deps: Deps, person: Identity): Promise<void> {
  await deps.notifier.publishHome(person.userId, await buildHome(deps, person));
}

/** A person picked an account on their Home tab. */
export async function pickHomeAccount(deps: Deps, person: Identity, accountId: number): Promise<void> {
  if (!(await getAccount(deps.db, accountId))) return;
  await selectHomeAccount(deps.db, person, accountId);
  await publishHome(deps, person);
}

/** After a change to an account, publishes the Home tab again for everyone it shows on (in the background). */
export function refreshHomes(deps: Deps, accountId: number): void {
  deps.background.run(`home refresh of account ${accountId}`, async () => {
    const people = uniqueIdentities([
      ...(await adminsOf(deps.db, accountId)),
      ...(await usersViewingAccount(deps.db, accountId)),
    ]);
    await Promise.all(people.map((person) => publishHome(deps, person)));
  });
}
