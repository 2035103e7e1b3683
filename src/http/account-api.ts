import { z } from 'zod';
import type { Deps } from '../app/types.js';
import { decimalAmount } from '../domain/money.js';
import { checkPlainText } from '../domain/text.js';
import { ACCOUNT_NAME_MAX, findAccountByName } from '../services/accounts.js';
import { type AccountState, accountState } from '../services/collections.js';
import { bearerToken, requireApiToken } from './bearer.js';
import { HttpError } from './errors.js';
import { type Route, sendJson } from './server.js';

export const ACCOUNT_API_PATH = '/api/accounts/:name';

/** The name is held to the rule account names are made by, so nothing another account could never be named by
 * reaches the database (a NUL byte, a right-to-left override, 10 KB of text). */
const AccountPath = z.object({
  name: z.string().transform((raw, ctx) => {
    const checked = checkPlainText(raw, { what: 'An account name', max: ACCOUNT_NAME_MAX });
    if (checked.ok) return checked.text;
    ctx.addIssue({ code: 'custom', message: checked.error });
    return z.NEVER;
  }),
});

/** The JSON of SPEC §14: amounts as exact decimal strings in the deployment's currency, times in ISO 8601. */
export function accountStateJson(state: AccountState) {
  const money = (cents: bigint) => decimalAmount(cents, state.currency);
  return {
    account: state.account,
    plan: state.plan,
    currency: state.currency,
    balance: money(state.balance),
    devices: state.devices,
    monthly_cost: money(state.monthly_cost),
    runway_months: state.runway_months,
    outstanding: money(state.outstanding),
    state: state.state,
    suspended_since: state.suspended_since?.toISOString() ?? null,
  };
}

/**
 * `GET /api/accounts/<name>` (SPEC §14): what the device service needs to enforce a suspension, for an API token.
 * 401 without a valid bearer token (checked before the name is looked up); 404 `not found` for an unknown account,
 * the same answer as for a path that does not exist, so the route tells a token holder nothing a typo would not.
 */
export function accountApiRoute(deps: Deps): Route<z.infer<typeof AccountPath>> {
  return {
    path: ACCOUNT_API_PATH,
    method: 'GET',
    params: AccountPath,
    handle: async (req, res, { name }) => {
      const token = bearerToken(req);
      const now = deps.clock.now();
      const state = await deps.db.transaction(async (tx) => {
        await requireApiToken(tx, token, now);
        const account = await findAccountByName(tx, name);
        if (!account) throw new HttpError(404, 'not found');
        return accountState(tx, account, {
          now,
          timeZone: deps.config.billingTimeZone,
          currency: deps.config.currency,
        });
      });
      sendJson(res, 200, accountStateJson(state));
    },
  };
}
