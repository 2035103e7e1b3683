import { parseArgs } from 'node:util';
import { startFakeJamf } from './fake-jamf.js';

/**
 * The tests' fake Jamf Pro as a server of its own, for a local trial of `/balance devices connect` (README):
 * `npm run fake-jamf -- --port 9090 --computers 118 --mobile 40`. It prints the URL, client ID and secret to enter
 * in the form; typing `computers <n>` or `mobile <n>` changes the fleet, so the next sync records a new count.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9090' },
    computers: { type: 'string', default: '118' },
    mobile: { type: 'string', default: '40' },
  },
});
const whole = (text: string, name: string) => {
  if (!/^\d{1,7}$/.test(text)) throw new Error(`--${name} must be a whole number`);
  return Number(text);
};
const fake = await startFakeJamf({
  port: whole(values.port, 'port'),
  fleet: {
    managedComputers: whole(values.computers, 'computers'),
    managedMobileDevices: whole(values.mobile, 'mobile'),
  },
});
process.stdout.write(
  `Fake Jamf Pro on ${fake.url}\n  Client ID:     ${fake.clientId}\n  Client secret: ${fake.clientSecret}\n` +
    'Type "computers <n>" or "mobile <n>" to change the fleet; Ctrl-C stops.\n',
);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  for (const line of chunk.split('\n')) {
    const match = /^\s*(computers|mobile)\s+(\d{1,7})\s*$/.exec(line);
    if (!match) continue;
    if (match[1] === 'computers') fake.fleet.managedComputers = Number(match[2]);
    else fake.fleet.managedMobileDevices = Number(match[2]);
    process.stdout.write(
      `Fleet: ${fake.fleet.managedComputers} managed computers, ${fake.fleet.managedMobileDevices} managed mobile devices\n`,
    );
  }
});
process.on('SIGINT', () => void fake.close().then(() => process.exit(0)));
