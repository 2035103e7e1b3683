// Block Kit's limits, checked on any message or view: every builder's output is run through these in tests, so
// a message Slack would reject (`invalid_blocks`) is caught before it ships. The checks walk blocks by type,
// not by builder. Lengths are counted in UTF-16 units, which is never less than Slack's own count.

import type { HomeView, ModalView } from '@slack/types';
import { BLOCK_KIT } from './render/block-kit-limits.js';
import type { Message } from './render/mrkdwn-text.js';

type Json = Record<string, unknown>;

/** Violations of Block Kit's limits in a message, one readable line each; `[]` when Slack would accept it. */
export function blockKitProblems(message: Message): string[] {
  const problems: string[] = [];
  if (typeof message.text !== 'string' || message.text.trim() === '') {
    problems.push('text: the plain-text fallback is empty');
  } else if (message.text.length > BLOCK_KIT.text) {
    problems.push(`text: ${message.text.length} characters (limit ${BLOCK_KIT.text})`);
  }
  const blocks = (message.blocks ?? []) as unknown[];
  if (blocks.length > BLOCK_KIT.messageBlocks) {
    problems.push(`message has ${blocks.length} blocks (limit ${BLOCK_KIT.messageBlocks})`);
  }
  checkBlocks(blocks, problems);
  return problems;
}

/** Violations of Block Kit's limits in a modal or Home tab view. */
export function viewProblems(view: ModalView | HomeView): string[] {
  const problems: string[] = [];
  const blocks = view.blocks as unknown[];
  if (blocks.length > BLOCK_KIT.viewBlocks) {
    problems.push(`view has ${blocks.length} blocks (limit ${BLOCK_KIT.viewBlocks})`);
  }
  if (view.type === 'modal') {
    const title = view.title?.text ?? '';
    if (title.trim() === '') problems.push('modal title is empty');
    maxLength(problems, 'modal title', title, BLOCK_KIT.modalTitle);
    if (view.title && view.title.type !== 'plain_text') problems.push('modal title must be plain_text');
    for (const key of ['submit', 'close'] as const) {
      const text = view[key]?.text;
      if (text === undefined) continue;
      if (text.trim() === '') problems.push(`modal ${key} text is empty`);
      maxLength(problems, `modal ${key} text`, text, BLOCK_KIT.modalButton);
    }
    if (!view.submit && blocks.some((b) => (b as Json)?.type === 'input')) {
      problems.push('modal has input blocks but no submit button');
    }
  }
  if (view.private_metadata !== undefined) {
    maxLength(problems, 'private_metadata', view.private_metadata, BLOCK_KIT.privateMetadata);
  }
  if (view.callback_id !== undefined)
    maxLength(problems, 'callback_id', view.callback_id, BLOCK_KIT.callbackId);
  checkBlocks(blocks, problems);
  return problems;
}

function checkBlocks(blocks: unknown[], problems: string[]): void {
  const blockIds = new Set<string>();
  blocks.forEach((raw, index) => {
    const block = raw as Json;
    const where = `blocks[${index}] (${String(block?.type)})`;
    if (typeof block !== 'object' || block === null || typeof block.type !== 'string') {
      problems.push(`blocks[${index}]: not a block`);
      return;
    }
    if (block.block_id !== undefined) {
      const id = String(block.block_id);
      if (id === '') problems.push(`${where}: block_id is empty`);
      maxLength(problems, `${where}: block_id`, id, BLOCK_KIT.id);
      if (blockIds.has(id)) problems.push(`${where}: block_id "${id}" is used twice`);
      blockIds.add(id);
    }
    checkBlock(block, where, problems);
  });
}

function checkBlock(block: Json, where: string, problems: string[]): void {
  switch (block.type) {
    case 'section': {
      const text = block.text as Json | undefined;
      const fields = block.fields as Json[] | undefined;
      if (!text && !fields?.length) problems.push(`${where}: needs text or fields`);
      if (text) checkText(text, `${where}: text`, BLOCK_KIT.sectionText, problems);
      if (fields) {
        if (fields.length > BLOCK_KIT.sectionFields) {
          problems.push(`${where}: ${fields.length} fields (limit ${BLOCK_KIT.sectionFields})`);
        }
        fields.forEach((f, i) => {
          checkText(f, `${where}: fields[${i}]`, BLOCK_KIT.fieldText, problems);
        });
      }
      if (block.accessory) checkElement(block.accessory as Json, `${where}: accessory`, problems);
      return;
    }
    case 'header': {
      const text = block.text as Json | undefined;
      if (!text) problems.push(`${where}: needs text`);
      else {
        if (text.type !== 'plain_text') problems.push(`${where}: text must be plain_text`);
        checkText(text, `${where}: text`, BLOCK_KIT.headerText, problems);
      }
      return;
    }
    case 'context': {
      const elements = (block.elements as Json[] | undefined) ?? [];
      if (elements.length === 0) problems.push(`${where}: has no elements`);
      if (elements.length > BLOCK_KIT.contextElements) {
        problems.push(`${where}: ${elements.length} elements (limit ${BLOCK_KIT.contextElements})`);
      }
      elements.forEach((e, i) => {
        if (e.type === 'mrkdwn' || e.type === 'plain_text') {
          checkText(e, `${where}: elements[${i}]`, BLOCK_KIT.contextText, problems);
        }
      });
      return;
    }
    case 'actions': {
      const elements = (block.elements as Json[] | undefined) ?? [];
      if (elements.length === 0) problems.push(`${where}: has no elements`);
      if (elements.length > BLOCK_KIT.actionsElements) {
        problems.push(`${where}: ${elements.length} elements (limit ${BLOCK_KIT.actionsElements})`);
      }
      const actionIds = new Set<string>();
      elements.forEach((e, i) => {
        const id = e.action_id;
        if (typeof id === 'string') {
          if (actionIds.has(id)) problems.push(`${where}: action_id "${id}" is used twice in the block`);
          actionIds.add(id);
        }
        checkElement(e, `${where}: elements[${i}]`, problems);
      });
      return;
    }
    case 'input': {
      const label = block.label as Json | undefined;
      if (!label) problems.push(`${where}: needs a label`);
      else checkText(label, `${where}: label`, BLOCK_KIT.inputLabel, problems);
      if (block.hint) checkText(block.hint as Json, `${where}: hint`, BLOCK_KIT.inputHint, problems);
      if (!block.element) problems.push(`${where}: needs an element`);
      else checkElement(block.element as Json, `${where}: element`, problems);
      return;
    }
    default:
      return;
  }
}

function checkElement(element: Json, where: string, problems: string[]): void {
  if (element.action_id !== undefined) {
    const id = String(element.action_id);
    if (id === '') problems.push(`${where}: action_id is empty`);
    maxLength(problems, `${where}: action_id`, id, BLOCK_KIT.id);
  }
  if (element.placeholder) {
    checkText(element.placeholder as Json, `${where}: placeholder`, BLOCK_KIT.placeholder, problems);
  }
  switch (element.type) {
    case 'button': {
      const text = element.text as Json | undefined;
      if (!text) problems.push(`${where}: button needs text`);
      else checkText(text, `${where}: button text`, BLOCK_KIT.buttonText, problems);
      if (element.value !== undefined) {
        maxLength(problems, `${where}: button value`, String(element.value), BLOCK_KIT.buttonValue);
      }
      if (element.url !== undefined) {
        maxLength(problems, `${where}: button url`, String(element.url), BLOCK_KIT.buttonUrl);
      }
      return;
    }
    case 'static_select':
    case 'multi_static_select': {
      const options = element.options as Json[] | undefined;
      const groups = element.option_groups as Array<{ options?: Json[] }> | undefined;
      if (!options && !groups) problems.push(`${where}: needs options or option_groups`);
      if (options) checkOptions(options, where, BLOCK_KIT.selectOptions, problems);
      if (groups) {
        if (groups.length > BLOCK_KIT.optionGroups) {
          problems.push(`${where}: ${groups.length} option groups (limit ${BLOCK_KIT.optionGroups})`);
        }
        groups.forEach((g, i) => {
          checkOptions(g.options ?? [], `${where}: option_groups[${i}]`, BLOCK_KIT.selectOptions, problems);
        });
      }
      const initial = element.initial_option as Json | undefined;
      const all = options ?? groups?.flatMap((g) => g.options ?? []) ?? [];
      if (initial && !all.some((o) => o.value === initial.value)) {
        problems.push(`${where}: initial_option "${String(initial.value)}" is not one of the options`);
      }
      return;
    }
    case 'radio_buttons':
    case 'checkboxes':
      checkOptions((element.options as Json[] | undefined) ?? [], where, BLOCK_KIT.radioOptions, problems);
      return;
    case 'overflow':
      checkOptions((element.options as Json[] | undefined) ?? [], where, BLOCK_KIT.overflowOptions, problems);
      return;
    default:
      return;
  }
}

function checkOptions(options: Json[], where: string, limit: number, problems: string[]): void {
  if (options.length === 0) problems.push(`${where}: has no options`);
  if (options.length > limit) problems.push(`${where}: ${options.length} options (limit ${limit})`);
  const values = new Set<string>();
  options.forEach((option, i) => {
    const text = option.text as Json | undefined;
    if (!text) problems.push(`${where}: options[${i}] needs text`);
    else checkText(text, `${where}: options[${i}] text`, BLOCK_KIT.optionText, problems);
    const value = option.value === undefined ? '' : String(option.value);
    maxLength(problems, `${where}: options[${i}] value`, value, BLOCK_KIT.optionValue);
    if (values.has(value)) problems.push(`${where}: option value "${value}" is used twice`);
    values.add(value);
  });
}

function checkText(text: Json, where: string, limit: number, problems: string[]): void {
  if (text.type !== 'mrkdwn' && text.type !== 'plain_text') {
    problems.push(`${where}: not a text object`);
    return;
  }
  const value = typeof text.text === 'string' ? text.text : '';
  if (value === '') problems.push(`${where}: is empty`);
  maxLength(problems, where, value, limit);
}

function maxLength(problems: string[], what: string, value: string, limit: number): void {
  if (value.length > limit) problems.push(`${what}: ${value.length} characters (limit ${limit})`);
}
