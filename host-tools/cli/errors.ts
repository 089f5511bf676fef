/**
 * A mistake in what the user typed or gave us (bad hex, a corrupt file, a wrong number):
 * printed as one plain line, exit code 2. Anything else is a bug and prints a stack.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
