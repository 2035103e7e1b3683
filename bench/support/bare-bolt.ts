// The baseline of `npm run bench -- ack`: a bare Bolt app on the same default HTTPReceiver, with the same signing
// secret and Web API settings as the real app, and one listener that answers `/balance` with a static text in its
// ack (issue 16's baseline). Started the same way as
// the app (a `tsx` child process), it prints `bare Bolt listening on <port>` and runs until SIGTERM.
import type { Server } from 'node:http';
import { App, LogLevel } from '@slack/bolt';

const env = process.env;
const apiUrl = env.SLACK_API_URL;
const app = new App({
  token: env.SLACK_BOT_TOKEN,
  signingSecret: env.SLACK_SIGNING_SECRET ?? '',
  ...(env.SLACK_BOT_ID ? { botId: env.SLACK_BOT_ID } : {}),
  ...(env.SLACK_BOT_USER_ID ? { botUserId: env.SLACK_BOT_USER_ID } : {}),
  logLevel: LogLevel.INFO,
  clientOptions: apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {},
});
app.command('/balance', async ({ ack }) => ack('Balance of Acme: $3,000.00'));

const server = (await app.start(Number(env.PORT ?? 0))) as Server;
process.stdout.write(`bare Bolt listening on ${(server.address() as { port: number }).port}\n`);
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
