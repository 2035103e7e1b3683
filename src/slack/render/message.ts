import type { HomeView, ModalView } from '@slack/types';
import type { FieldError, HomeModel, MessageModel, ModalModel, NoticeModel } from '../../app/views.js';
import { alertResolvedMessage, lowBalanceAlertMessage } from './alerts.js';
import { autoReloadDeclinedMessage, autoReloadModal, cardMessage } from './autoreload.js';
import { codeListMessage, issuedCodesMessage, quoteCodeThreadMessage, voidedMessage } from './codes.js';
import { noticeMessage, refusalMessage, usageErrorMessage } from './common.js';
import { devicesMessage } from './devices.js';
import { estimateMessage } from './estimate.js';
import { estimateModal } from './estimate-modal.js';
import { helpMessage } from './help.js';
import { historyMessage } from './history.js';
import { homeView } from './home-tab.js';
import { invoiceDetailMessage, invoiceListMessage, invoiceMessage, runSummaryMessage } from './invoices.js';
import { jamfConnectedMessage, jamfConnectModal, jamfDisconnectedMessage } from './jamf.js';
import {
  escapeMrkdwn,
  fallbackText,
  type Message,
  monthName,
  plainDate,
  slackDate,
  toPlain,
  userMention,
  userText,
} from './mrkdwn-text.js';
import { quoteMessage } from './quote.js';
import { financeActionMessage, payButtons, receivablesMessage, settlementSuffix } from './receivables.js';
import { redeemedMessage, redeemModal, redemptionNotice } from './redeem.js';
import {
  payStepView,
  refundMessage,
  refundResolvedMessage,
  reloadModal,
  reloadNotice,
  reloadReceivedMessage,
} from './reload.js';
import { statusMessage } from './status.js';

/** The one way a view model becomes a Slack message: one pure renderer per model. */
export function renderMessage(m: MessageModel): Message {
  switch (m.kind) {
    case 'notice':
      return noticeMessage(noticeMrkdwn(m.model));
    case 'text':
      return { text: fallbackText([escapeMrkdwn(m.text)]) };
    case 'refusal':
      return refusalMessage(m.text);
    case 'usage_error':
      return usageErrorMessage(m.problem, m.usage);
    case 'help':
      return helpMessage(m.model);
    case 'status':
      return statusMessage(m.model);
    case 'devices':
      return devicesMessage(m.model);
    case 'history':
      return historyMessage(m.model);
    case 'estimate':
      return estimateMessage(m.model);
    case 'quote':
      return quoteMessage(m.model);
    case 'issued_codes':
      return issuedCodesMessage(m.model);
    case 'code_list':
      return codeListMessage(m.model);
    case 'voided':
      return voidedMessage(m.model);
    case 'quote_code_thread':
      return quoteCodeThreadMessage(m.model);
    case 'redeemed':
      return redeemedMessage(m.model);
    case 'redemption_notice':
      return redemptionNotice(m.model);
    case 'reload_received':
      return reloadReceivedMessage(m.model);
    case 'reload_notice':
      return reloadNotice(m.model);
    case 'refund':
      return refundMessage(m.model);
    case 'refund_resolved':
      return refundResolvedMessage(m.model);
    case 'invoice':
      return invoiceMessage(m.model);
    case 'invoice_detail':
      return invoiceDetailMessage(m.model, m.canPay);
    case 'invoice_list':
      return invoiceListMessage(m.model);
    case 'run_summary':
      return runSummaryMessage(m.model);
    case 'low_balance_alert':
      return lowBalanceAlertMessage(m.model);
    case 'alert_resolved':
      return alertResolvedMessage(m.model);
    case 'auto_reload_declined':
      return autoReloadDeclinedMessage(m.model);
    case 'card':
      return cardMessage(m.model);
    case 'jamf_connected':
      return jamfConnectedMessage(m.model);
    case 'jamf_disconnected':
      return jamfDisconnectedMessage(m.model);
    case 'receivables':
      return receivablesMessage(m.model);
    case 'finance_action':
      return financeActionMessage(m.model);
    case 'notice_with_pay': {
      const message = noticeMessage(noticeMrkdwn(m.model));
      message.blocks?.push(...payButtons(m.payable, m.model.format));
      return message;
    }
  }
}

export function renderModal(m: ModalModel): ModalView {
  switch (m.kind) {
    case 'estimate_modal':
      return estimateModal(m.model);
    case 'redeem_modal':
      return redeemModal(m.model);
    case 'reload_modal':
      return reloadModal(m.model);
    case 'pay_step':
      return payStepView(m.model);
    case 'autoreload_modal':
      return autoReloadModal(m.model);
    case 'jamf_connect_modal':
      return jamfConnectModal(m.model);
  }
}

export function renderHome(m: HomeModel): HomeView {
  return homeView(m);
}

/** How much of a name or an amount a notice shows in bold, once escaped. */
const STRONG_CHARS = 200;

/** A notice in mrkdwn: words escaped, names in bold, commands as code, people and channels as mentions. */
export function noticeMrkdwn(notice: NoticeModel): string {
  return notice.parts
    .map((part) => {
      if (typeof part === 'string') return escapeMrkdwn(part);
      if ('strong' in part) return `*${userText(part.strong, STRONG_CHARS)}*`;
      if ('code' in part) return `\`${escapeMrkdwn(part.code)}\``;
      if ('user' in part) return userMention(part.user);
      if ('channel' in part) return `<#${part.channel}>`;
      if ('month' in part) return monthName(part.month);
      if ('settlement' in part) return settlementSuffix(part.settlement);
      return slackDate(part.date, notice.format, part.style);
    })
    .join('');
}

/** A notice as plain text (a modal field's error: Slack shows it as is), escaped like every echo of input. */
export function noticePlain(notice: NoticeModel): string {
  return notice.parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if ('strong' in part) return part.strong;
      if ('code' in part) return part.code;
      if ('user' in part) return part.user;
      if ('channel' in part) return part.channel;
      if ('month' in part) return monthName(part.month);
      if ('settlement' in part) return toPlain(settlementSuffix(part.settlement));
      return plainDate(part.date, notice.format, part.style);
    })
    .join('');
}

/** A modal field's error for `response_action: errors`. */
export function renderFieldError(error: FieldError): string {
  return escapeMrkdwn(typeof error === 'string' ? error : noticePlain(error));
}
