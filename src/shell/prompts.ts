import { randomUUID } from 'node:crypto';
import type { AnyBlock, InputBlock, ModalView, Option } from '@slack/types';
import type {
  ActionInput,
  Actor,
  InputValue,
  Interactions,
  Reply,
  SubmitResult,
  ViewValues,
} from '../app/types.js';
import { noticePlain, renderModal } from '../slack/render/message.js';
import type { Ask } from './lines.js';
import { mrkdwnToText, type TextStyle } from './mrkdwn.js';
import { renderBlocks, renderView } from './render.js';

/**
 * A modal as terminal prompts: one per input block, in order. The answers are collected into `ViewValues`
 * exactly as Slack sends `view.state.values`, then submitted through `Interactions.submit`. `cancel` at any
 * prompt abandons the modal.
 */

export interface ModalSession {
  interactions: Interactions;
  actor: Actor;
  ask: Ask;
  print: (text: string) => void;
  /** Prints replies that are not about this modal (the shell's printer; it may open another modal). */
  showReplies: (replies: Reply[]) => Promise<void>;
  style?: TextStyle;
}

/** How the modal ended: submitted and closed, closed without submitting, cancelled, or the input ended. */
export type ModalOutcome = 'submitted' | 'closed' | 'cancelled' | 'ended';

export interface InputField {
  blockId: string;
  actionId: string;
  block: InputBlock;
}

interface ModalState {
  id: string;
  view: ModalView;
  values: ViewValues;
  answered: Set<string>;
  errors: Record<string, string>;
}

type Answer = { value: InputValue } | { problem: string };

const TEXT_TYPES = new Set(['plain_text_input', 'number_input', 'email_text_input', 'url_text_input']);
const SELECT_TYPES = new Set(['static_select', 'radio_buttons', 'checkboxes']);
const CANCEL = 'cancel';

/** Unique across sessions, like Slack's: a payment is idempotent on its view id, kept in a lasting database. */
function newViewId(): string {
  return `VSHELL${randomUUID().replaceAll('-', '').toUpperCase()}`;
}

export async function runModal(session: ModalSession, view: ModalView): Promise<ModalOutcome> {
  const state = freshState(newViewId(), view, session);
  for (;;) {
    const field = nextUnanswered(state);
    if (field) {
      const outcome = await promptField(session, state, field);
      if (outcome !== 'answered') return abandon(session, outcome);
      if (field.block.dispatch_action) await dispatch(session, state, field);
      continue;
    }
    const outcome = await submitStep(session, state);
    if (outcome) return outcome;
  }
}

function freshState(id: string, view: ModalView, session: ModalSession): ModalState {
  session.print(renderView(view, { ...session.style, interactive: false }).text);
  return { id, view, values: initialValues(view), answered: new Set(), errors: {} };
}

function abandon(session: ModalSession, outcome: 'cancelled' | 'ended'): ModalOutcome {
  if (outcome === 'cancelled') session.print('(modal cancelled)');
  return outcome;
}

export function inputFields(view: ModalView): InputField[] {
  return view.blocks
    .filter((block): block is InputBlock => block.type === 'input')
    .map((block, index) => ({
      blockId: block.block_id ?? `input_${index}`,
      actionId: block.element.action_id ?? `input_${index}`,
      block,
    }));
}

function nextUnanswered(state: ModalState): InputField | undefined {
  return inputFields(state.view).find((field) => !state.answered.has(field.blockId));
}

// ---- values as Slack sends them ----

export function initialValues(view: ModalView): ViewValues {
  const values: ViewValues = {};
  for (const field of inputFields(view)) setValue(values, field, initialValue(field));
  return values;
}

function setValue(values: ViewValues, field: InputField, value: InputValue): void {
  values[field.blockId] = { ...values[field.blockId], [field.actionId]: value };
}

function currentValue(state: ModalState, field: InputField): InputValue | undefined {
  return state.values[field.blockId]?.[field.actionId];
}

function initialValue({ block }: InputField): InputValue {
  const element = block.element as { type: string; initial_value?: unknown; initial_option?: Option };
  if (SELECT_TYPES.has(element.type)) {
    return {
      type: element.type,
      selected_option: element.initial_option ? selected(element.initial_option) : null,
    };
  }
  if (TEXT_TYPES.has(element.type)) {
    return {
      type: element.type,
      value: typeof element.initial_value === 'string' ? element.initial_value : null,
    };
  }
  return { type: element.type };
}

function selected(option: Option): NonNullable<InputValue['selected_option']> {
  return { text: { type: option.text.type, text: option.text.text }, value: option.value ?? '' };
}

function fieldOptions({ block }: InputField): Option[] {
  const element = block.element as { options?: Option[]; option_groups?: { options: Option[] }[] };
  return element.options ?? element.option_groups?.flatMap((group) => group.options) ?? [];
}

// ---- one prompt ----

async function promptField(
  session: ModalSession,
  state: ModalState,
  field: InputField,
): Promise<'answered' | 'cancelled' | 'ended'> {
  const type = field.block.element.type;
  if (!TEXT_TYPES.has(type) && !SELECT_TYPES.has(type)) {
    session.print(`${field.block.label.text}: (a ${type} cannot be filled in the shell; left as it is)`);
    state.answered.add(field.blockId);
    return 'answered';
  }
  session.print(fieldHeading(field, state.errors[field.blockId], session.style));
  for (;;) {
    const current = currentValue(state, field);
    const line = await session.ask(answerPrompt(current));
    if (line === null) return 'ended';
    if (line.trim().toLowerCase() === CANCEL) return 'cancelled';
    const answer = parseAnswer(field, line.trim(), current, session.style);
    if ('problem' in answer) {
      session.print(`  ! ${answer.problem}`);
      continue;
    }
    setValue(state.values, field, answer.value);
    delete state.errors[field.blockId];
    state.answered.add(field.blockId);
    return 'answered';
  }
}

function fieldHeading(field: InputField, error: string | undefined, style: TextStyle = {}): string {
  const { block } = field;
  const lines = [block.optional ? `${block.label.text} (optional)` : block.label.text];
  if (error) lines.push(`  ! ${error}`);
  if (block.hint) lines.push(`  ${block.hint.text}`);
  const placeholder = (block.element as { placeholder?: { text: string } }).placeholder;
  if (placeholder) lines.push(`  (${placeholder.text})`);
  fieldOptions(field).forEach((option, index) => {
    lines.push(`  [${index + 1}] ${optionText(option, style)}`);
  });
  return lines.join('\n');
}

function optionText(option: Option, style: TextStyle = {}): string {
  return option.text.type === 'mrkdwn' ? mrkdwnToText(option.text.text, style) : option.text.text;
}

function shownValue(value: InputValue | undefined): string | undefined {
  return value?.selected_option?.text?.text ?? value?.selected_option?.value ?? value?.value ?? undefined;
}

function answerPrompt(current: InputValue | undefined): string {
  const shown = shownValue(current);
  return shown ? `[${shown}] > ` : '> ';
}

function parseAnswer(
  field: InputField,
  text: string,
  current: InputValue | undefined,
  style?: TextStyle,
): Answer {
  const type = field.block.element.type;
  if (text === '') {
    if (current && shownValue(current) !== undefined) return { value: current };
    if (field.block.optional)
      return { value: SELECT_TYPES.has(type) ? { type, selected_option: null } : { type, value: null } };
    return { problem: 'Please fill in this field (or type cancel).' };
  }
  if (SELECT_TYPES.has(type)) return pickOption(field, text, style);
  const problem = type === 'number_input' ? numberProblem(field, text) : lengthProblem(field, text);
  return problem ? { problem } : { value: { type, value: text } };
}

function pickOption(field: InputField, text: string, style?: TextStyle): Answer {
  const options = fieldOptions(field);
  const wanted = text.toLowerCase();
  const byNumber = /^\d+$/.test(text) ? options[Number(text) - 1] : undefined;
  const option =
    byNumber ??
    options.find((candidate) => candidate.value?.toLowerCase() === wanted) ??
    options.find((candidate) => optionText(candidate, style).toLowerCase() === wanted);
  if (!option) return { problem: `Choose 1–${options.length}, or type an option's name.` };
  const type = field.block.element.type;
  // Checkboxes answer as Slack sends them: the options ticked (one, typed here).
  if (type === 'checkboxes') return { value: { type, selected_options: [{ value: option.value ?? '' }] } };
  return { value: { type, selected_option: selected(option) } };
}

/** What Slack's client checks before it lets a number input be submitted. */
function numberProblem(field: InputField, text: string): string | null {
  const element = field.block.element as {
    is_decimal_allowed?: boolean;
    min_value?: string;
    max_value?: string;
  };
  const pattern = element.is_decimal_allowed ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/;
  if (!pattern.test(text)) return element.is_decimal_allowed ? 'Enter a number.' : 'Enter a whole number.';
  const number = Number(text);
  if (element.min_value !== undefined && number < Number(element.min_value)) {
    return `Enter a number of at least ${element.min_value}.`;
  }
  if (element.max_value !== undefined && number > Number(element.max_value)) {
    return `Enter a number of at most ${element.max_value}.`;
  }
  return null;
}

function lengthProblem(field: InputField, text: string): string | null {
  const element = field.block.element as { min_length?: number; max_length?: number };
  if (element.min_length !== undefined && text.length < element.min_length) {
    return `Enter at least ${element.min_length} characters.`;
  }
  if (element.max_length !== undefined && text.length > element.max_length) {
    return `Enter at most ${element.max_length} characters.`;
  }
  return null;
}

// ---- live updates (dispatch_action) ----

async function dispatch(session: ModalSession, state: ModalState, field: InputField): Promise<void> {
  const value = currentValue(state, field);
  const input: ActionInput = { actionId: field.actionId, blockId: field.blockId, view: submitted(state) };
  if (value?.selected_option) input.selectedValue = value.selected_option.value;
  else if (value?.value) input.value = value.value;
  else return;
  const replies = await session.interactions.action(session.actor, input);
  const others: Reply[] = [];
  for (const reply of replies) {
    if (reply.kind === 'update_modal') swapView(session, state, renderModal(reply.view));
    else others.push(reply);
  }
  if (others.length > 0) await session.showReplies(others);
}

function submitted(state: ModalState): NonNullable<ActionInput['view']> {
  return {
    id: state.id,
    callbackId: state.view.callback_id ?? '',
    privateMetadata: state.view.private_metadata ?? '',
    values: state.values,
  };
}

/** Like `views.update`: inputs keep what the user entered when their block_id stays; changed blocks are shown. */
function swapView(session: ModalSession, state: ModalState, view: ModalView): void {
  const changed = changedBlocks(state.view.blocks, view.blocks);
  const kept = inputFields(view).filter((field) => state.answered.has(field.blockId));
  const values = initialValues(view);
  for (const field of kept) {
    const value = currentValue(state, field);
    if (value) setValue(values, field, value);
  }
  state.view = view;
  state.values = values;
  state.answered = new Set(kept.map((field) => field.blockId));
  const text = renderBlocks(changed, { ...session.style, interactive: false }).text;
  if (text) session.print(text);
}

function changedBlocks(before: AnyBlock[], after: AnyBlock[]): AnyBlock[] {
  const seen = new Set(before.map((block) => JSON.stringify(block)));
  return after.filter((block) => block.type !== 'input' && !seen.has(JSON.stringify(block)));
}

// ---- submit ----

async function submitStep(session: ModalSession, state: ModalState): Promise<ModalOutcome | null> {
  if (inputFields(state.view).length === 0) {
    const confirmed = await confirmSubmit(session, state.view);
    if (confirmed !== 'submit') return confirmed;
  }
  const result = await session.interactions.submit(session.actor, { ...submitted(state) });
  return handleResult(session, state, result);
}

async function confirmSubmit(session: ModalSession, view: ModalView): Promise<'submit' | ModalOutcome> {
  if (!view.submit) return 'closed';
  const line = await session.ask(`Press Enter to ${view.submit.text}, or type cancel > `);
  if (line === null) return 'ended';
  return line.trim().toLowerCase() === CANCEL ? abandon(session, 'cancelled') : 'submit';
}

async function handleResult(
  session: ModalSession,
  state: ModalState,
  result: SubmitResult,
): Promise<ModalOutcome | null> {
  switch (result.kind) {
    case 'errors':
      markErrors(
        session,
        state,
        Object.fromEntries(
          Object.entries(result.errors).map(([block, e]) => [
            block,
            typeof e === 'string' ? e : noticePlain(e),
          ]),
        ),
      );
      return null;
    case 'update':
      Object.assign(state, freshState(state.id, renderModal(result.view), session));
      return null;
    case 'close':
      await session.showReplies(result.replies);
      return 'submitted';
  }
}

/** The fields with errors are asked again, each showing its error under its label. */
function markErrors(session: ModalSession, state: ModalState, errors: Record<string, string>): void {
  const fields = inputFields(state.view);
  const known = fields.filter((field) => errors[field.blockId] !== undefined);
  for (const [blockId, error] of Object.entries(errors)) {
    if (!known.some((field) => field.blockId === blockId)) session.print(`! ${error}`);
  }
  state.errors = errors;
  for (const field of known.length > 0 ? known : fields) state.answered.delete(field.blockId);
}
