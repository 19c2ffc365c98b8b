import { finishTeardown } from './leftovers.js';

/**
 * The guardian's process (guardian.ts): waits on the pipe from bench. "done": bench has nothing
 * left to guard. End-of-file without it: bench has exited, and what its record still lists (if a
 * normal exit did not remove it) is ended and removed.
 */
const recordFile = process.argv[2];
let released = false;
process.stdin.on('data', () => {
  released = true;
});
let finishing = false;
const finish = async () => {
  if (finishing) return;
  finishing = true;
  if (!released && recordFile) await finishTeardown(recordFile, true).catch(() => undefined);
  process.exit(0);
};
process.stdin.on('end', finish);
process.stdin.on('error', finish);
