/** The exit codes of every command, by meaning. */
export const ExitCode = {
  /** Every vehicle done. */
  ok: 0,
  /** Some vehicles failed (see failures.csv). */
  someFailed: 1,
  /** Bad settings or input. */
  badInput: 2,
  /** The portal refused the login. */
  loginRefused: 3,
  /** Stopped by a problem (the message says which). */
  stopped: 4,
  /** The portal's pages are not what bookout knows: bookout needs an update (`bookout check` says what changed). */
  portalChanged: 5,
  /** Interrupted (Ctrl-C, a closed terminal). */
  interrupted: 130,
} as const;

/**
 * A problem the user can fix (bad settings, wrong password, unwritable folder...).
 * The command line prints its message alone, without a stack trace, and exits non-zero.
 */
export class UserError extends Error {
  override name = 'UserError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.badInput) {
    super(message);
    this.exitCode = exitCode;
  }
}
