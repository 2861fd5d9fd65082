/**
 * A problem the user can fix (bad settings, wrong password, unwritable folder...).
 * The command line prints its message alone, without a stack trace, and exits non-zero.
 */
export class UserError extends Error {
  override name = 'UserError';
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}
