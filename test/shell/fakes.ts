import type {
  ActionInput,
  Actor,
  Interactions,
  Reply,
  SubmitResult,
  SubmittedView,
} from '../../src/app/types.js';
import type { HomeModel } from '../../src/app/views.js';
import type { Ask } from '../../src/shell/lines.js';

/** An `Interactions` whose answers the test gives, and which records every call. */
export interface FakeInteractions extends Interactions {
  calls: { method: string; actor: Actor; arg: unknown }[];
}

export function fakeInteractions(handlers: {
  command?: (text: string) => Reply[] | Promise<Reply[]>;
  action?: (input: ActionInput) => Reply[] | Promise<Reply[]>;
  submit?: (view: SubmittedView) => SubmitResult | Promise<SubmitResult>;
  home?: () => HomeModel;
}): FakeInteractions {
  const calls: FakeInteractions['calls'] = [];
  const record = (method: string, actor: Actor, arg: unknown) =>
    calls.push({ method, actor, arg: structuredClone(arg) });
  return {
    calls,
    async command(actor, text) {
      record('command', actor, text);
      return (await handlers.command?.(text)) ?? [];
    },
    async action(actor, input) {
      record('action', actor, input);
      return (await handlers.action?.(input)) ?? [];
    },
    async submit(actor, view) {
      record('submit', actor, view);
      return (await handlers.submit?.(view)) ?? { kind: 'close', replies: [] };
    },
    async home(person) {
      record('home', person, person.userId);
      return (
        handlers.home?.() ?? { format: { currency: 'USD', timeZone: 'UTC' }, accounts: [], picker: null }
      );
    },
  };
}

/** Answers prompts from a script; null (end of input) once it runs out. Records the prompts asked. */
export function scriptedAsk(answers: string[], transcript: string[]): Ask {
  const queue = [...answers];
  return async (prompt) => {
    const answer = queue.shift() ?? null;
    transcript.push(`${prompt}${answer ?? ''}`);
    return answer;
  };
}
