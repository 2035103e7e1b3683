/**
 * A refusal a handler throws on purpose: the route wrapper answers `{"error": reason, …more}` with its status and
 * headers, and logs no failure.
 */
export class HttpError extends Error {
  readonly headers: Readonly<Record<string, string>>;
  readonly more: Readonly<Record<string, string>>;
  constructor(
    readonly status: number,
    readonly reason: string,
    options: { headers?: Record<string, string>; more?: Record<string, string> } = {},
  ) {
    super(reason);
    this.headers = options.headers ?? {};
    this.more = options.more ?? {};
  }
}

/** Thrown past a route's body limit: 413, and the connection is closed rather than the rest read. */
export class BodyTooLargeError extends HttpError {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(413, `the body is over ${limit >= 1024 ? `${Math.floor(limit / 1024)} KB` : `${limit} bytes`}`, {
      headers: { connection: 'close' },
    });
  }
}
