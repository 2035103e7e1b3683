import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childEnv, exitOf, ROOT, startCli, waitForOutput } from '../support/cli.js';
import { SIGNING_SECRET, sign } from '../support/slack.js';

/** A local stand-in for the Slack Web API: answers auth.test, records every call. */
async function fakeSlackApi(): Promise<{ url: string; calls: string[]; server: Server }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, user_id: 'UBOT1', bot_id: 'BBOT1', team_id: 'T1', user: 'balance' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/`, calls, server };
}

describe('npm start, by mode', () => {
  it('is the compiled app: `npm start` builds src/ into dist/ and runs it with plain node', async () => {
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: childEnv({ DATABASE_URL: 'pglite://memory', PORT: '0' }),
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d;
    });
    child.stdin.end('/balance account create Acme plus\nexit\n');
    expect(await exitOf(child)).toBe(0);
    expect(output).toContain('node dist/cli/main.js start');
    expect(output).toContain('No Slack credentials: running the shell');
    expect(output).toContain('Created Acme on Plus ($4.00/device/month)');
  }, 120_000);

  // Proves: another `npm start` in the same checkout (building at the same moment, or running and importing a module
  // lazily) never finds a module rewritten under it: a build rewrites only what changed, each file whole.
  it('builds only what changed: two builds at once rewrite nothing that stood and leave no file half written', async () => {
    const build = () => exitOf(spawn('node', ['bin/build.mjs'], { cwd: ROOT, stdio: 'ignore' }));
    expect(await build()).toBe(0);
    const main = join(ROOT, 'dist', 'cli', 'main.js');
    const before = statSync(main).mtimeMs;
    expect(await Promise.all([build(), build()])).toEqual([0, 0]);
    expect(statSync(main).mtimeMs).toBe(before);
    const files = readdirSync(join(ROOT, 'dist'), { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toContain(join('cli', 'main.js'));
  }, 60_000);

  it('without Slack variables opens the shell: a scripted session sets up an account and estimates through the modal', async () => {
    const app = await startCli(['start'], { DATABASE_URL: 'pglite://memory', PORT: '0' }, /balance> /);
    const script = [
      '/balance help',
      '/balance account create Acme plus',
      '/balance account link Acme',
      '/balance devices 120',
      '/balance estimate',
      '', // devices: keep the pre-filled 120
      '2', // months: 24
      '', // plan: keep Plus
      '/balance status',
      'exit',
    ];
    app.child.stdin!.end(`${script.join('\n')}\n`);
    expect(await exitOf(app.child)).toBe(0);
    const out = app.output();
    expect(out).toContain('No Slack credentials: running the shell');
    expect(out).toContain('/balance account create <name> [<plan>]'); // help, as text
    expect(out).toContain('Created Acme on Plus ($4.00/device/month)');
    expect(out).toContain('Linked this channel to Acme');
    expect(out).toContain('Recorded 120 devices.');
    expect(out).toMatch(/\[1\] 12 months\s+\[2\] 24 months\s+\[3\] 36 months\s+\[4\] Custom…/);
    expect(out).toContain('120 devices × 24 months on Plus ($4.00/device/month) = $11,520.00');
    expect(out).toMatch(/Monthly cost:\s+\$480\.00/);
    expect(out).toMatch(/\[1\] Share as quote\s+\[2\] Reload this amount/);
    expect(out).not.toMatch(/"blocks"|\{"type"/); // readable text, not JSON
  });

  it('in the shell, sales issues a code, an admin redeems it, and status shows the balance', async () => {
    const app = await startCli(['start'], { DATABASE_URL: 'pglite://memory', PORT: '0' }, /balance> /);
    const type = (line: string) => app.child.stdin!.write(`${line}\n`);
    const waitFor = (pattern: RegExp) => waitForOutput(app.output, pattern);
    type('/balance account create Acme');
    type('/balance account link Acme');
    type('/balance codes issue $1,200.50');
    const [code] = await waitFor(/BAL-(?:[0-9A-Z]{4}-){4}[0-9A-Z]/);
    type(`/balance redeem ${code!.toLowerCase()}`);
    await waitFor(/Redeemed code …\w{4}: \$1,200\.50 added to Acme/);
    type(`/balance redeem ${code}`);
    await waitFor(/already redeemed for this account/);
    type('/balance status');
    await waitFor(/Balance:\s+\$1,200\.50/);
    type('exit');
    expect(await exitOf(app.child)).toBe(0);
  });

  it('in the shell, reload 120 24 prints a sandbox URL; paying it with a POST credits $5,760.00 once', async () => {
    const app = await startCli(
      ['start'],
      { DATABASE_URL: 'pglite://memory', PORT: '0' },
      /HTTP routes on port (\d+)/,
    );
    const port = app.match[1];
    const type = (line: string) => app.child.stdin!.write(`${line}\n`);
    const waitFor = (pattern: RegExp) => waitForOutput(app.output, pattern);
    type('/balance account create Acme');
    type('/balance account link Acme');
    type('/balance reload 120 24');
    await waitFor(/Reload balance/);
    for (let i = 0; i < 4; i++) type(''); // keep the pre-filled mode, devices, months; then submit
    const [url] = await waitFor(new RegExp(`http://localhost:${port}/pay/sandbox/pay_[0-9A-Z]{16}`));
    const pay = () => fetch(url!, { method: 'POST' });
    expect((await pay()).status).toBe(200);
    expect((await pay()).status).toBe(200);
    await waitFor(/Your reload of \$5,760\.00 for Acme has landed/);
    type('/balance status');
    await waitFor(/Balance:\s+\$5,760\.00/);
    type('/balance history');
    await waitFor(/Card reload pay_/);
    type('exit');
    expect(await exitOf(app.child)).toBe(0);
    expect(app.output().match(/Your reload of/g)).toHaveLength(1);
  });

  it('with Slack variables answers a signed /balance estimate 120 24 plus with $11,520.00 in the ack', async () => {
    const slack = await fakeSlackApi();
    try {
      const app = await startCli(
        ['start'],
        {
          DATABASE_URL: 'pglite://memory',
          PORT: '0',
          SLACK_BOT_TOKEN: 'xoxb-fake-token',
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.url,
        },
        /HTTP routes on port (\d+)/,
      );
      const base = `http://127.0.0.1:${app.match[1]}`;
      const body = new URLSearchParams({
        command: '/balance',
        text: 'estimate 120 24 plus',
        user_id: 'U0SOMEONE',
        channel_id: 'C0GENERAL',
        team_id: 'T1',
        response_url: `${slack.url}respond`,
        trigger_id: 't.1',
      }).toString();
      const started = Date.now();
      const res = await fetch(`${base}/slack/events`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) },
      });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { text: string }).text).toContain('$11,520.00');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(slack.calls).toContain('/api/auth.test'); // no SLACK_BOT_ID given
      app.child.kill('SIGTERM');
      expect(await exitOf(app.child)).toBe(0);
      expect(app.output()).not.toContain('xoxb-fake-token');
      expect(app.output()).not.toContain(SIGNING_SECRET);
    } finally {
      slack.server.close();
    }
  });
});
