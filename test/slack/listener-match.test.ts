import { describe, expect, it } from 'vitest';
import { ACTION, CALLBACK, ESTIMATE_INPUT, PAY_BUTTON, RELOAD_INPUT } from '../../src/app/ids.js';
import { exactlyOneOf } from '../../src/slack/listeners/match.js';

// One Bolt listener serves every action id (and one every modal): its pattern must take each of them and nothing
// that merely looks like one, or a click would reach a handler meant for another id, or none.
describe('exactlyOneOf', () => {
  const actions = [
    ...Object.values(ACTION),
    ...Object.values(ESTIMATE_INPUT),
    ...Object.values(RELOAD_INPUT),
    PAY_BUTTON,
  ];

  it.each([
    ['action', actions],
    ['callback', Object.values(CALLBACK)],
  ])('matches every %s id of the app', (_kind, ids) => {
    const pattern = exactlyOneOf(ids);
    for (const id of ids) expect(id).toMatch(pattern);
  });

  it('refuses an id with something before or after one of them, and the empty id', () => {
    const pattern = exactlyOneOf(actions);
    for (const id of actions) {
      expect(`x${id}`).not.toMatch(pattern);
      expect(`${id}x`).not.toMatch(pattern);
      expect(`${id}\n`).not.toMatch(pattern);
    }
    expect('').not.toMatch(pattern);
  });

  it('takes the ids literally: a dot or a bar in an id is no wildcard', () => {
    const pattern = exactlyOneOf(['pay.now', 'a|b']);
    expect('pay.now').toMatch(pattern);
    expect('payXnow').not.toMatch(pattern);
    expect('a|b').toMatch(pattern);
    expect('a').not.toMatch(pattern);
  });
});
