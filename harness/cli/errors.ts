/** Exit codes: distinct, documented in docs/running.md and in `bench --help`. */
export const EXIT = {
  ok: 0,
  runFailed: 1,
  usage: 2,
  interrupted: 130,
} as const;

/** Bad input from the user (flag, scenario file, key). Nothing has been started when it is thrown. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Something went wrong while measuring. */
export class RunError extends Error {
  override name = 'RunError';
}
