/**
 * Errors the CLI itself raises. Exit codes follow the usual convention: 1 when the work failed (an API error,
 * invalid descriptors, a server that does not answer), 2 when the command line itself was wrong.
 */

/** The command ran but failed; `message` is printed as `error: …`, `hints` as indented lines after it. */
export class CliError extends Error {
  readonly exitCode: number = 1;
  readonly hints: string[];

  constructor(message: string, options: { hints?: string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hints = options.hints ?? [];
  }
}

/** The command line was wrong in a way commander cannot see (e.g. a malformed `--filter`). */
export class UsageError extends CliError {
  override readonly exitCode = 2;
}

/**
 * The command already printed everything the user needs (e.g. validation problems) and only has to end with
 * a failing exit code.
 */
export class SilentFailure extends CliError {
  constructor(message = 'failed') {
    super(message);
  }
}
