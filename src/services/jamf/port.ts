import type { JamfCredentials, JamfField } from '../../domain/jamf.js';

/** The Jamf Pro port: what Balance asks of an MDM. The HTTP client (client.ts) and the tests' fake implement it. */
export interface ManagedDeviceCounts {
  computers: number;
  mobileDevices: number;
}

export interface JamfPro {
  /** Managed computers and managed mobile devices of the instance; throws a JamfError saying which field is wrong. */
  managedCounts(credentials: JamfCredentials): Promise<ManagedDeviceCounts>;
}

export type JamfErrorKind =
  /** The token endpoint refused the client id and secret, or a fresh token was refused too. */
  | 'credentials'
  /** The API client's roles lack Read Computers or Read Mobile Devices (403). */
  | 'privileges'
  | 'unreachable'
  | 'timeout'
  /** Something answered, but not as a Jamf Pro API does (404, a redirect, not JSON, another shape). */
  | 'not_jamf'
  | 'rate_limited'
  | 'server_error';

const FIELD: Record<JamfErrorKind, JamfField> = {
  credentials: 'client_secret',
  privileges: 'client_id',
  unreachable: 'url',
  timeout: 'url',
  not_jamf: 'url',
  rate_limited: 'url',
  server_error: 'url',
};

/** Failures that may pass by themselves: worth trying again later, with nothing to fix. */
const PASSING: ReadonlySet<JamfErrorKind> = new Set([
  'unreachable',
  'timeout',
  'rate_limited',
  'server_error',
]);

/** A failure a user can act on. The message is safe to show: it never holds a secret, a token or a remote body. */
export class JamfError extends Error {
  constructor(
    readonly kind: JamfErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'JamfError';
  }

  /** The `jamf_connect` field the problem belongs to. */
  get field(): JamfField {
    return FIELD[this.kind];
  }

  /** The message with what to do next: `retry` when the failure may pass by itself, as the caller words it. */
  advice(retry: string): string {
    return PASSING.has(this.kind) ? `${this.message} ${retry}` : this.message;
  }
}
