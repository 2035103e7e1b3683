import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLASH_COMMAND } from '../src/app/ids.js';
import { ROOT } from './support/cli.js';

const manifest = parse(readFileSync(join(ROOT, 'manifest.yml'), 'utf8'));
const schema = JSON.parse(readFileSync(join(ROOT, '../shared/slack/manifest.schema.1.0.0.json'), 'utf8'));

/** The bot scope each Web API method needs (views.* need none). A method missing here fails the test below. */
const SCOPE_OF: Record<string, string | null> = {
  'auth.test': null, // the installed workspace, at start when SLACK_TEAM_ID is not set
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'views.open': null,
  'views.update': null,
  'views.publish': null,
  'conversations.open': 'im:write',
  'files.uploadV2': 'files:write',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every `client.<family>.<method>(` call in src/. */
function webApiCalls(): Set<string> {
  const calls = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/client(?:\(\))?\.(\w+)\.(\w+)\(/g)) {
      calls.add(`${match[1]}.${match[2]}`);
    }
  }
  return calls;
}

describe('manifest.yml', () => {
  it("validates against Slack's app manifest schema", () => {
    const ajv = new Ajv({ allErrors: true, strict: false, formats: { uri: (s: string) => URL.canParse(s) } });
    const validate = ajv.compile(schema);
    expect(validate(manifest), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('declares /balance with a usage hint and should_escape, the Home tab, interactivity and app_home_opened', () => {
    const [command] = manifest.features.slash_commands;
    expect(command).toMatchObject({ command: SLASH_COMMAND, should_escape: true });
    expect(command.usage_hint).toMatch(/estimate/);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    for (const url of [
      command.url,
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
    ]) {
      expect(url).toBe('https://balance.example.com/slack/events');
    }
  });

  it('asks for exactly the bot scopes the code uses', () => {
    const calls = [...webApiCalls()];
    const unknown = calls.filter((call) => !(call in SCOPE_OF));
    expect(unknown, 'add these Web API methods to SCOPE_OF').toEqual([]);
    const needed = new Set([
      'commands',
      ...calls.map((call) => SCOPE_OF[call]).filter((s): s is string => s !== null),
    ]);
    expect(new Set(manifest.oauth_config.scopes.bot)).toEqual(needed);
  });
});
