import { describe, expect, it } from 'vitest';
import type { DeviceSource } from '../../../src/services/connectors.js';
import { blockKitProblems, viewProblems } from '../../../src/slack/limits.js';
import {
  deviceSourceText,
  jamfConnectedMessage,
  jamfConnectModal,
  jamfDisconnectedMessage,
} from '../../../src/slack/render/jamf.js';
import { DANGEROUS, NO_SOURCE, USD, viewTexts } from './fixtures.js';

const at = (iso: string) => new Date(iso);
const URL_ = 'https://acme.jamfcloud.com';
const connected = (failing: NonNullable<DeviceSource['jamf']>['failing'] = null): DeviceSource => ({
  reading: { count: 158, source: 'jamf', by: 'jamf:acme.jamfcloud.com', at: at('2026-12-10T09:00:00Z') },
  jamf: { url: URL_, lastSyncAt: at('2026-12-10T14:00:00Z'), failing },
});
const plainOf = (text: string) => text.replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1');

describe('the Jamf Pro form and answers', () => {
  it('the form fits Block Kit with a 255-character account name, and shows no secret when connecting again', () => {
    const fresh = jamfConnectModal({ accountName: 'x'.repeat(255), privateMetadata: '{}', current: null });
    expect(viewProblems(fresh)).toEqual([]);
    const again = jamfConnectModal({
      accountName: '<!channel>',
      privateMetadata: '{}',
      current: { url: URL_, clientId: '6cabf059-21c9-44d6-bbde-02898f7430dd' },
    });
    expect(viewProblems(again)).toEqual([]);
    expect(viewTexts(again)).not.toMatch(DANGEROUS);
    const secret = again.blocks.find((b) => b.block_id === 'client_secret') as { element: object };
    expect(secret.element).not.toHaveProperty('initial_value');
  });

  it('the answer names the instance and the counts (SPEC §16), singular and plural', () => {
    const message = jamfConnectedMessage({
      accountName: 'Acme',
      url: URL_,
      computers: 118,
      mobileDevices: 40,
      recorded: true,
    });
    expect(message.text).toContain(
      'Connected to https://acme.jamfcloud.com: 118 computers + 40 mobile devices = 158 managed devices.',
    );
    expect(blockKitProblems(message)).toEqual([]);
    const one = jamfConnectedMessage({
      accountName: 'A',
      url: URL_,
      computers: 1,
      mobileDevices: 0,
      recorded: false,
    });
    expect(one.text).toContain('1 computer + 0 mobile devices = 1 managed device.');
    expect(one.text).toContain('was already that');
  });

  it('disconnect says what stays, or that there was nothing to disconnect', () => {
    expect(jamfDisconnectedMessage({ accountName: 'Acme', url: URL_ }).text).toContain(
      'Disconnected Acme from Jamf Pro (https://acme.jamfcloud.com). The readings it recorded stay',
    );
    expect(jamfDisconnectedMessage({ accountName: 'Acme', url: null }).text).toContain(
      'Acme is not connected to Jamf Pro',
    );
  });
});

describe('deviceSourceText', () => {
  it('a connection: the instance and its last sync', () => {
    expect(plainOf(deviceSourceText(connected(), USD))).toBe(
      'Jamf Pro (acme.jamfcloud.com), every hour — last sync 2026-12-10 14:00',
    );
  });

  it('a failing connection: since when, how many tries, why, and the last sync that counted', () => {
    const failing = connected({
      since: at('2026-12-10T15:00:00Z'),
      failures: 3,
      reason: 'Jamf Pro answered 500.',
    });
    expect(plainOf(deviceSourceText(failing, USD))).toBe(
      'Jamf Pro (acme.jamfcloud.com) — ⚠️ sync failing since 2026-12-10 15:00 (3 tries in a row): ' +
        'Jamf Pro answered 500. Last sync 2026-12-10 14:00.',
    );
    const evil = connected({ since: at('2026-12-10T15:00:00Z'), failures: 1, reason: '<!channel> <@U1>' });
    expect(deviceSourceText(evil, USD).replace(/<!date[^>]*>/g, '')).not.toMatch(DANGEROUS);
  });

  it('without a connection: how the reading in effect was recorded', () => {
    const reading = (source: 'manual' | 'api' | 'jamf', by: string): DeviceSource => ({
      reading: { count: 5, source, by, at: at('2026-12-01T08:00:00Z') },
      jamf: null,
    });
    expect(plainOf(deviceSourceText(reading('manual', 'U0ADMIN1'), USD))).toBe(
      'Typed by <@U0ADMIN1>, 2026-12-01 08:00',
    );
    expect(plainOf(deviceSourceText(reading('api', 'api:nightly'), USD))).toBe(
      'Posted to the API (token nightly), 2026-12-01 08:00',
    );
    expect(plainOf(deviceSourceText(reading('jamf', 'jamf:acme.jamfcloud.com'), USD))).toBe(
      'Counted in Jamf Pro (acme.jamfcloud.com), 2026-12-01 08:00 (not connected now)',
    );
    expect(deviceSourceText(NO_SOURCE, USD)).toContain('no reading yet');
  });
});
