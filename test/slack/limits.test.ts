import type { HomeView, KnownBlock, ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { blockKitProblems, viewProblems } from '../../src/slack/limits.js';
import type { Message } from '../../src/slack/render/mrkdwn-text.js';

const section = (text: string, block_id?: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text },
  ...(block_id ? { block_id } : {}),
});
const button = (text: string, value = 'v', action_id = 'a') => ({
  type: 'button' as const,
  text: { type: 'plain_text' as const, text },
  action_id,
  value,
});
const option = (text: string, value: string) => ({ text: { type: 'plain_text' as const, text }, value });
const message = (blocks: KnownBlock[], text = 'fallback'): Message => ({ text, blocks });
const modal = (overrides: Partial<ModalView> = {}): ModalView => ({
  type: 'modal',
  title: { type: 'plain_text', text: 'Estimate' },
  submit: { type: 'plain_text', text: 'Show estimate' },
  close: { type: 'plain_text', text: 'Cancel' },
  blocks: [],
  ...overrides,
});

/** The single problem a message has, so each test proves exactly one check. */
function only(problems: string[]): string {
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('blockKitProblems', () => {
  it('accepts a well-formed message', () => {
    expect(blockKitProblems(message([section('hello')]))).toEqual([]);
    expect(blockKitProblems({ text: 'text only' })).toEqual([]);
  });

  it('catches more than 50 blocks', () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`line ${i}`));
    expect(only(blockKitProblems(message(blocks)))).toBe('message has 51 blocks (limit 50)');
    expect(blockKitProblems(message(blocks.slice(0, 50)))).toEqual([]);
  });

  it('catches an empty or oversized fallback text', () => {
    expect(only(blockKitProblems(message([section('x')], '')))).toMatch(/fallback is empty/);
    expect(only(blockKitProblems(message([section('x')], '  ')))).toMatch(/fallback is empty/);
    expect(only(blockKitProblems(message([section('x')], 'x'.repeat(40_001))))).toMatch(
      /text: 40001 characters/,
    );
  });

  it('catches a section text over 3000 characters, and an empty one', () => {
    expect(only(blockKitProblems(message([section('x'.repeat(3001))])))).toMatch(
      /blocks\[0\] \(section\): text: 3001 characters \(limit 3000\)/,
    );
    expect(blockKitProblems(message([section('x'.repeat(3000))]))).toEqual([]);
    expect(only(blockKitProblems(message([section('')])))).toMatch(/is empty/);
  });

  it('catches more than 10 fields and a field over 2000 characters', () => {
    const field = (text: string) => ({ type: 'mrkdwn' as const, text });
    const eleven: KnownBlock = { type: 'section', fields: Array.from({ length: 11 }, () => field('f')) };
    expect(only(blockKitProblems(message([eleven])))).toMatch(/11 fields \(limit 10\)/);
    const long: KnownBlock = { type: 'section', fields: [field('x'.repeat(2001))] };
    expect(only(blockKitProblems(message([long])))).toMatch(/fields\[0\]: 2001 characters \(limit 2000\)/);
  });

  it('catches a header over 150 characters or not plain text', () => {
    const header: KnownBlock = { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } };
    expect(only(blockKitProblems(message([header])))).toMatch(/header\): text: 151 characters \(limit 150\)/);
    const mrkdwnHeader = { type: 'header', text: { type: 'mrkdwn', text: 'h' } } as unknown as KnownBlock;
    expect(only(blockKitProblems(message([mrkdwnHeader])))).toMatch(/must be plain_text/);
  });

  it('catches a context with more than 10 elements', () => {
    const elements = Array.from({ length: 11 }, () => ({ type: 'mrkdwn' as const, text: 'c' }));
    expect(only(blockKitProblems(message([{ type: 'context', elements }])))).toMatch(
      /11 elements \(limit 10\)/,
    );
  });

  it('catches actions with more than 25 elements', () => {
    const elements = Array.from({ length: 26 }, (_, i) => button('b', 'v', `a${i}`));
    expect(only(blockKitProblems(message([{ type: 'actions', elements }])))).toMatch(
      /26 elements \(limit 25\)/,
    );
  });

  it('catches a button text over 75 characters and a value over 2000', () => {
    const text = { type: 'actions', elements: [button('b'.repeat(76))] } as KnownBlock;
    expect(only(blockKitProblems(message([text])))).toMatch(/button text: 76 characters \(limit 75\)/);
    const value = { type: 'actions', elements: [button('b', 'v'.repeat(2001))] } as KnownBlock;
    expect(only(blockKitProblems(message([value])))).toMatch(/button value: 2001 characters \(limit 2000\)/);
  });

  it('catches the same action_id twice in one block', () => {
    const block = { type: 'actions', elements: [button('one'), button('two')] } as KnownBlock;
    expect(only(blockKitProblems(message([block])))).toMatch(/action_id "a" is used twice/);
  });

  it('catches a select over 100 options, long option texts and values, and a stray initial option', () => {
    const select = (
      options: ReturnType<typeof option>[],
      initial?: ReturnType<typeof option>,
    ): KnownBlock => ({
      type: 'actions',
      elements: [
        { type: 'static_select', action_id: 's', options, ...(initial ? { initial_option: initial } : {}) },
      ],
    });
    const many = Array.from({ length: 101 }, (_, i) => option(`o${i}`, `${i}`));
    expect(only(blockKitProblems(message([select(many)])))).toMatch(/101 options \(limit 100\)/);
    expect(only(blockKitProblems(message([select([option('o'.repeat(76), '1')])])))).toMatch(
      /options\[0\] text: 76 characters \(limit 75\)/,
    );
    expect(only(blockKitProblems(message([select([option('o', 'v'.repeat(151))])])))).toMatch(
      /options\[0\] value: 151 characters \(limit 150\)/,
    );
    expect(only(blockKitProblems(message([select([option('o', '1')], option('p', '2'))])))).toMatch(
      /initial_option "2" is not one of the options/,
    );
    expect(only(blockKitProblems(message([select([])])))).toMatch(/has no options/);
  });

  it('catches long and duplicate block_ids and a long action_id', () => {
    expect(only(blockKitProblems(message([section('a', 'b'.repeat(256))])))).toMatch(
      /block_id: 256 characters \(limit 255\)/,
    );
    expect(only(blockKitProblems(message([section('a', 'same'), section('b', 'same')])))).toMatch(
      /block_id "same" is used twice/,
    );
    const long = { type: 'actions', elements: [button('b', 'v', 'x'.repeat(256))] } as KnownBlock;
    expect(only(blockKitProblems(message([long])))).toMatch(/action_id: 256 characters \(limit 255\)/);
  });

  it('checks a section accessory like any element', () => {
    const block: KnownBlock = {
      type: 'section',
      text: { type: 'mrkdwn', text: 't' },
      accessory: button('b'.repeat(80)),
    };
    expect(only(blockKitProblems(message([block])))).toMatch(/accessory: button text: 80 characters/);
  });
});

describe('viewProblems', () => {
  it('accepts a well-formed modal and Home view', () => {
    expect(viewProblems(modal({ blocks: [section('x')] }))).toEqual([]);
    expect(viewProblems({ type: 'home', blocks: [section('x')] })).toEqual([]);
  });

  it('catches more than 100 blocks', () => {
    const blocks = Array.from({ length: 101 }, (_, i) => section(`line ${i}`));
    const home: HomeView = { type: 'home', blocks };
    expect(only(viewProblems(home))).toBe('view has 101 blocks (limit 100)');
    expect(viewProblems({ type: 'home', blocks: blocks.slice(0, 100) })).toEqual([]);
  });

  it('catches a modal title, submit or close over 24 characters', () => {
    expect(only(viewProblems(modal({ title: { type: 'plain_text', text: 't'.repeat(25) } })))).toBe(
      'modal title: 25 characters (limit 24)',
    );
    expect(viewProblems(modal({ title: { type: 'plain_text', text: 't'.repeat(24) } }))).toEqual([]);
    expect(only(viewProblems(modal({ submit: { type: 'plain_text', text: 's'.repeat(25) } })))).toMatch(
      /modal submit text: 25 characters/,
    );
    expect(only(viewProblems(modal({ close: { type: 'plain_text', text: 'c'.repeat(25) } })))).toMatch(
      /modal close text: 25 characters/,
    );
  });

  it('catches private_metadata over 3000 characters', () => {
    expect(only(viewProblems(modal({ private_metadata: 'm'.repeat(3001) })))).toBe(
      'private_metadata: 3001 characters (limit 3000)',
    );
  });

  it('catches an input label over 2000 characters, and inputs without a submit button', () => {
    const input = (label: string): KnownBlock => ({
      type: 'input',
      block_id: 'devices',
      label: { type: 'plain_text', text: label },
      element: { type: 'number_input', action_id: 'devices', is_decimal_allowed: false },
    });
    expect(only(viewProblems(modal({ blocks: [input('l'.repeat(2001))] })))).toMatch(
      /label: 2001 characters \(limit 2000\)/,
    );
    const { submit: _, ...noSubmit } = modal({ blocks: [input('Devices')] });
    expect(only(viewProblems(noSubmit))).toMatch(/no submit button/);
  });

  it('checks the blocks of a view like those of a message', () => {
    expect(only(viewProblems({ type: 'home', blocks: [section('x'.repeat(3001))] }))).toMatch(
      /3001 characters/,
    );
  });
});
