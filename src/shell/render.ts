import type {
  ActionsBlock,
  AnyBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  HomeView,
  ImageBlock,
  ModalView,
  Option,
  PlainTextOption,
  RichTextBlock,
  RichTextBlockElement,
  RichTextElement,
  SectionBlock,
  TextObject,
} from '@slack/types';
import type { Message } from '../slack/render/mrkdwn-text.js';
import { bold, isoDate, mrkdwnToText, padEnd, type TextStyle, visibleLength } from './mrkdwn.js';

/**
 * Block Kit → readable terminal text. Pure. Buttons (and the options of selects and overflow menus outside
 * inputs) become numbered choices the shell can click.
 */

/** One clickable thing: what is needed to build an `ActionInput`, or the URL to print for a link button. */
export interface Choice {
  number: number;
  label: string;
  actionId: string;
  blockId?: string;
  value?: string;
  /** Set for an option of a select or overflow menu. */
  selectedValue?: string;
  /** A link button: the shell prints the URL instead of sending an action. */
  url?: string;
  /** A confirmation to ask before clicking. */
  confirm?: string;
}

export interface Rendered {
  text: string;
  choices: Choice[];
}

export interface RenderOptions extends TextStyle {
  /** The number of the first choice (to number several messages in one go). Default 1. */
  firstChoice?: number;
  /** False: list buttons as `[Label]` without numbers (output nobody can click). Default true. */
  interactive?: boolean;
}

export function renderMessage(message: Message, options: RenderOptions = {}): Rendered {
  const rendered = renderBlocks(message.blocks ?? [], options);
  if (rendered.text.trim()) return rendered;
  return { text: mrkdwnToText(message.text, options), choices: [] };
}

/** A Home tab, or a modal's title and its non-input blocks (inputs become prompts). */
export function renderView(view: HomeView | ModalView, options: RenderOptions = {}): Rendered {
  const rendered = renderBlocks(view.blocks, options);
  if (view.type !== 'modal') return rendered;
  const title = headerText(view.title.text, options);
  return { text: rendered.text ? `${title}\n${rendered.text}` : title, choices: rendered.choices };
}

export function renderBlocks(blocks: AnyBlock[], options: RenderOptions = {}): Rendered {
  const context = new RenderContext(options);
  const lines = blocks.map((block) => renderBlock(block, context)).filter((text) => text !== null);
  return { text: lines.join('\n'), choices: context.choices };
}

class RenderContext {
  readonly choices: Choice[] = [];
  constructor(readonly options: RenderOptions) {}

  add(choice: Omit<Choice, 'number'>): string {
    if (this.options.interactive === false)
      return choice.url ? `[${choice.label}] ${choice.url}` : `[${choice.label}]`;
    const number = (this.options.firstChoice ?? 1) + this.choices.length;
    this.choices.push({ number, ...choice });
    return choice.url ? `[${number}] ${choice.label} (${choice.url})` : `[${number}] ${choice.label}`;
  }

  text(object: TextObject | undefined): string {
    if (!object) return '';
    return object.type === 'mrkdwn' ? mrkdwnToText(object.text, this.options) : object.text;
  }
}

function renderBlock(block: AnyBlock, context: RenderContext): string | null {
  switch (block.type) {
    case 'header':
      return headerText((block as HeaderBlock).text.text, context.options);
    case 'section':
      return renderSection(block as SectionBlock, context);
    case 'context':
      return renderContext(block as ContextBlock, context);
    case 'divider':
      return '-'.repeat(40);
    case 'actions':
      return renderActions(block as ActionsBlock, context);
    case 'rich_text':
      return renderRichText(block as RichTextBlock, context);
    case 'image':
      return `[image: ${(block as ImageBlock).alt_text}]`;
    case 'markdown':
      return (block as { text: string }).text;
    default:
      return null; // inputs (prompted separately) and blocks a terminal cannot show
  }
}

function headerText(text: string, style: TextStyle): string {
  return `${bold(text, style)}\n${'='.repeat(text.length)}`;
}

function renderSection(block: SectionBlock, context: RenderContext): string | null {
  const parts = [context.text(block.text), renderFields(block.fields ?? [], context)];
  const accessory = block.accessory ? renderElement(block.accessory, block.block_id, context) : '';
  const text = parts.filter(Boolean).join('\n');
  if (accessory) return text ? `${text}\n${accessory}` : accessory;
  return text || null;
}

const LABELLED_FIELD = /^\*([^*\n]+)\*\n([\s\S]+)$/;

/** Fields written `*Label*\nvalue` become aligned `Label: value` lines; any other fields, two columns. */
function renderFields(fields: TextObject[], context: RenderContext): string {
  if (fields.length === 0) return '';
  const labelled = fields.map((field) => (field.type === 'mrkdwn' ? LABELLED_FIELD.exec(field.text) : null));
  if (labelled.every((match) => match !== null)) {
    const pairs = labelled.map((match) => ({
      label: mrkdwnToText(match[1]!, context.options),
      value: context.text({ type: 'mrkdwn', text: match[2]! }),
    }));
    return labelValueLines(pairs);
  }
  return twoColumns(fields.map((field) => context.text(field)));
}

function labelValueLines(pairs: { label: string; value: string }[]): string {
  const width = Math.max(...pairs.map((pair) => visibleLength(pair.label))) + 2;
  const indent = ' '.repeat(width);
  return pairs
    .map(({ label, value }) => padEnd(`${label}:`, width) + value.split('\n').join(`\n${indent}`))
    .join('\n');
}

function twoColumns(cells: string[]): string {
  const left = cells.filter((_, index) => index % 2 === 0);
  const width = Math.max(...left.flatMap((cell) => cell.split('\n').map(visibleLength))) + 4;
  const rows: string[] = [];
  for (let index = 0; index < cells.length; index += 2) {
    rows.push(joinColumns(cells[index]!, cells[index + 1] ?? '', width));
  }
  return rows.join('\n');
}

function joinColumns(left: string, right: string, width: number): string {
  const leftLines = left.split('\n');
  const rightLines = right.split('\n');
  const height = Math.max(leftLines.length, rightLines.length);
  return Array.from({ length: height }, (_, line) =>
    `${padEnd(leftLines[line] ?? '', width)}${rightLines[line] ?? ''}`.trimEnd(),
  ).join('\n');
}

function renderContext(block: ContextBlock, context: RenderContext): string | null {
  const parts = block.elements.map((element) =>
    element.type === 'image' ? '' : context.text(element as TextObject),
  );
  const text = parts.filter(Boolean).join('  ·  ');
  return text || null;
}

function renderActions(block: ActionsBlock, context: RenderContext): string | null {
  const parts = block.elements.map((element) => renderElement(element, block.block_id, context));
  const text = parts.filter(Boolean).join('   ');
  return text || null;
}

type Interactive = { type: string; action_id?: string };

function renderElement(element: Interactive, blockId: string | undefined, context: RenderContext): string {
  if (element.type === 'button') return renderButton(element as Button, blockId, context);
  const options = menuOptions(element);
  if (!options) return '';
  const choices = options.map((option) =>
    context.add({
      label: context.text(option.text),
      actionId: element.action_id ?? '',
      blockId,
      selectedValue: option.value,
      url: option.url,
    }),
  );
  const placeholder = (element as { placeholder?: TextObject }).placeholder;
  const label = placeholder ? `${context.text(placeholder)}: ` : '';
  return label + choices.join('  ');
}

function renderButton(button: Button, blockId: string | undefined, context: RenderContext): string {
  return context.add({
    label: button.text.text,
    actionId: button.action_id ?? '',
    blockId,
    value: button.value,
    url: button.url,
    confirm: button.confirm ? confirmText(button.confirm, context) : undefined,
  });
}

function confirmText(confirm: NonNullable<Button['confirm']>, context: RenderContext): string {
  const title = confirm.title ? `${confirm.title.text}: ` : '';
  return title + context.text(confirm.text);
}

/** The options of a static select, overflow menu, radio buttons or checkboxes outside an input block. */
function menuOptions(element: Interactive): Option[] | null {
  const menu = element as { options?: Option[]; option_groups?: { options: PlainTextOption[] }[] };
  if (menu.options) return menu.options;
  if (menu.option_groups) return menu.option_groups.flatMap((group) => group.options);
  return null;
}

function renderRichText(block: RichTextBlock, context: RenderContext): string | null {
  const text = block.elements.map((element) => richBlockElement(element, context)).join('\n');
  return text || null;
}

function richBlockElement(element: RichTextBlockElement, context: RenderContext): string {
  switch (element.type) {
    case 'rich_text_section':
      return richInline(element.elements, context);
    case 'rich_text_quote':
      return prefixLines(richInline(element.elements, context), '> ');
    case 'rich_text_preformatted':
      return prefixLines(richInline(element.elements, context), '    ');
    case 'rich_text_list': {
      const indent = '  '.repeat(element.indent ?? 0);
      const start = (element as { offset?: number }).offset ?? 0;
      return element.elements
        .map((item, index) => {
          const marker = element.style === 'ordered' ? `${start + index + 1}. ` : '- ';
          return indent + marker + richInline(item.elements, context);
        })
        .join('\n');
    }
    default:
      return '';
  }
}

function prefixLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

function richInline(elements: RichTextElement[], context: RenderContext): string {
  return elements.map((element) => styled(element, richElementText(element), context)).join('');
}

function richElementText(element: RichTextElement): string {
  switch (element.type) {
    case 'text':
      return element.text;
    case 'link':
      return element.text && element.text !== element.url ? `${element.text} (${element.url})` : element.url;
    case 'user':
      return `@${element.user_id}`;
    case 'usergroup':
      return `@${element.usergroup_id}`;
    case 'team':
      return `@${element.team_id}`;
    case 'channel':
      return `#${element.channel_id}`;
    case 'broadcast':
      return `@${element.range}`;
    case 'emoji':
      return element.unicode ? emojiFromCodePoints(element.unicode) : `:${element.name}:`;
    case 'date':
      return element.fallback ?? isoDate(element.timestamp);
    case 'color':
      return element.value;
    default:
      return '';
  }
}

function emojiFromCodePoints(unicode: string): string {
  return String.fromCodePoint(...unicode.split('-').map((hex) => Number.parseInt(hex, 16)));
}

type RichStyle = { bold?: boolean; italic?: boolean; strike?: boolean; code?: boolean };

function styled(element: RichTextElement, text: string, context: RenderContext): string {
  const style = (element as { style?: RichStyle }).style;
  if (!style || !text) return text;
  let result = style.code ? `\`${text}\`` : text;
  if (style.italic) result = `_${result}_`;
  if (style.strike) result = `~${result}~`;
  return style.bold ? bold(result, context.options) : result;
}
