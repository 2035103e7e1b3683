/**
 * Every callback_id, block_id and action_id the app sends or listens for. The modal ids are part of the product
 * contract (SPEC §5): scripts and tests rely on them.
 */
export const SLASH_COMMAND = '/balance';

export const CALLBACK = {
  estimate: 'estimate',
  redeem: 'redeem',
  reload: 'reload',
  jamfConnect: 'jamf_connect',
  autoreload: 'autoreload',
} as const;

/** Inputs of the Auto-reload modal (SPEC §15): block_id and action_id are the same string. */
export const AUTORELOAD_INPUT = {
  enabled: 'enabled',
  threshold: 'threshold',
  amount: 'amount',
  maxPerMonth: 'max_per_month',
} as const;
/** The `enabled` checkbox's one option. */
export const AUTORELOAD_ON = 'on';

/** Inputs of the Estimate modal: block_id and action_id are the same string. */
export const ESTIMATE_INPUT = {
  devices: 'devices',
  months: 'months',
  customMonths: 'custom_months',
  plan: 'plan',
} as const;
/** The section of the Estimate modal that shows the running total. */
export const ESTIMATE_TOTAL_BLOCK = 'total';
/** The `months` select's option for a duration other than 12, 24 or 36. */
export const CUSTOM_MONTHS = 'custom';

export const ACTION = {
  /** On an estimate message: post it as a quote (sales). Value: JSON {devices, months, plan}. */
  shareAsQuote: 'estimate_share_quote',
  /** On an estimate message or low-balance alert: open the Reload modal. Value: JSON {devices, months, plan} or {amount}. */
  reloadThisAmount: 'estimate_reload',
  /** On a quote: issue a code of the quote's amount (sales). Value: quote id. */
  issueCodeForQuote: 'quote_issue_code',
  homeEstimate: 'home_estimate',
  homeRedeem: 'home_redeem',
  homeReload: 'home_reload',
  /** Finance and sales pick which account their Home tab shows. */
  homePickAccount: 'home_pick_account',
  /** On a low-balance alert: open the Reload modal / the Estimate modal for the account. Value: account id. */
  alertReload: 'alert_reload',
  alertEstimate: 'alert_estimate',
  /** On an invoice with something outstanding (its message, reminders, `invoices`, `status`, Home): a checkout for
   * exactly that amount (admins, SPEC §14). Value: the invoice number. */
  payInvoice: 'invoice_pay',
} as const;

/** The Redeem modal's one input: block_id and action_id. */
export const REDEEM_INPUT = 'code';

/** Inputs of the Reload modal: block_id and action_id are the same string (SPEC §5). */
export const RELOAD_INPUT = {
  mode: 'mode',
  devices: 'devices',
  months: 'months',
  customMonths: 'custom_months',
  amount: 'amount',
  saveCard: 'save_card',
} as const;
/** The `save_card` checkbox's one option: keep the card for automatic reloads (SPEC §15). */
export const SAVE_CARD_OPTION = 'save';
/** The section of the Reload modal that shows the running total. */
export const RELOAD_TOTAL_BLOCK = 'total';
/** The Pay step's URL button (a link; Slack still sends a block action when it is clicked). */
export const PAY_BUTTON = 'reload_pay';

/** Inputs of the Jamf Pro modal (SPEC §16): block_id and action_id are the same string. */
export const JAMF_INPUT = {
  url: 'url',
  clientId: 'client_id',
  clientSecret: 'client_secret',
} as const;
