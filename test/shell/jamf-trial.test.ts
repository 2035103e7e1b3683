import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createInteractions } from '../../src/app/interactions.js';
import { fixedClock } from '../../src/clock.js';
import { jamfConnectors } from '../../src/db/schema.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { createJamfProClient } from '../../src/services/jamf/client.js';
import { sandboxProvider } from '../../src/services/payments/sandbox.js';
import { runShell } from '../../src/shell/shell.js';
import { describeDatabases } from '../support/db.js';
import { type FakeJamf, startFakeJamf } from '../support/fake-jamf.js';
import { CODE_SECRET, OWNER, TEAM, testConfig } from '../support/slack.js';

/** A local trial (README): the shell's `/balance devices connect` asks the modal's fields as prompts. */
describeDatabases('the Jamf Pro form in the shell', (t) => {
  let fake: FakeJamf;
  beforeEach(async () => {
    fake = await startFakeJamf({ fleet: { managedComputers: 118, managedMobileDevices: 40 } });
  });
  afterEach(() => fake.close());

  it('connects to a local Jamf Pro through prompts, asks again on the field that was wrong, then shows the source', async () => {
    const config = testConfig();
    const deps = createDeps({
      config,
      db: t.db,
      logger: createLogger({ level: 'error', sink: () => {} }),
      clock: fixedClock('2026-11-26T10:00:00Z'),
      codeSecret: CODE_SECRET,
      payments: sandboxProvider(() => 'http://localhost', t.db),
      door: { publishHome: async () => {}, sendFile: async () => 'nowhere' },
      sender: undefined,
      connectors: {
        jamf: createJamfProClient({ timeoutMs: 2_000 }),
        secretsKey: 'shell-trial-key-0123456789abcdef',
      },
    });
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk) => {
      printed += chunk;
    });
    input.end(
      [
        '/balance account create Acme plus',
        '/balance account link Acme',
        '/balance devices connect',
        fake.url,
        fake.clientId,
        `${fake.clientSecret}-wrong`,
        fake.clientSecret, // asked again: only the secret was wrong
        '/balance devices',
        'exit',
      ].join('\n'),
    );
    await runShell({
      interactions: createInteractions(deps),
      input,
      output,
      person: { teamId: TEAM, userId: OWNER },
      channelId: 'C0LOCAL',
    });
    await deps.background.drain();
    expect(printed).toContain('Jamf Pro URL');
    expect(printed).toMatch(
      /Client secret\n {2}! Jamf Pro at 127\.0\.0\.1:\d+ refused this client ID and secret/,
    );
    expect(printed).toContain(
      `Connected to ${fake.url}: 118 computers + 40 mobile devices = 158 managed devices`,
    );
    expect(printed).toMatch(/From: Jamf Pro \(127\.0\.0\.1:\d+\), every hour — last sync 2026-11-26 10:00/);
    expect(await t.db.select().from(jamfConnectors)).toHaveLength(1);
  });
});
