// What the `npm run bench:*` scripts share: a private temporary folder, servers that never outlive
// the script, and the exit codes. They print figures and exit 0 whether or not their goals are met;
// 1 only when something breaks (a server that does not start, a CLI run that fails), 2 for a bad
// flag, 130 on Ctrl-C.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT } from '../cli/errors.js';
import { installExitGuard, killAllNow, liveTempDirs, onStopSignals } from '../process/registry.js';

/** A real failure: printed as one clear line, exit 1. */
export class Failure extends Error {}

class Interrupted extends Error {}

export interface ScriptContext {
  /** Aborted on Ctrl-C: pass it to whatever waits or drives load. */
  signal: AbortSignal;
  /** Private (0700) folder, removed at the end. */
  tmpDir: string;
  /** Throws when Ctrl-C has arrived, so that the script unwinds through its finally blocks. */
  throwIfInterrupted(): void;
}

export const say = (line: string) => process.stderr.write(`${line}\n`);

/** Runs a benchmark script's body and sets the exit code from how it ended. */
export async function runScript(name: string, body: (ctx: ScriptContext) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  installExitGuard(); // whatever happens, no server outlives this process
  onStopSignals(() => {
    if (abort.signal.aborted) {
      // A second Ctrl-C: no more waiting for graceful shutdown.
      killAllNow();
      process.exit(EXIT.interrupted);
    }
    say('\ninterrupted: stopping the servers');
    abort.abort();
  });
  const tmpDir = mkdtempSync(join(tmpdir(), 'bench-'));
  liveTempDirs.add(tmpDir);
  const throwIfInterrupted = () => {
    if (abort.signal.aborted) throw new Interrupted();
  };
  try {
    await body({ signal: abort.signal, tmpDir, throwIfInterrupted });
    process.exitCode = EXIT.ok;
  } catch (err) {
    if (err instanceof Interrupted || abort.signal.aborted) {
      process.exitCode = EXIT.interrupted;
      return;
    }
    say(`${name}: ${err instanceof Failure ? err.message : ((err as Error).stack ?? String(err))}`);
    process.exitCode = EXIT.runFailed;
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
    liveTempDirs.delete(tmpDir);
  }
}

/** The script's flags as node:util parses them; an unknown flag or a missing value ends the script with exit 2. */
export function parseFlags<T extends ParseArgsConfig['options']>(script: string, options: T) {
  try {
    return parseArgs({ args: process.argv.slice(2), options: options! as NonNullable<T> }).values;
  } catch (err) {
    say(`${script}: ${(err as Error).message}`);
    process.exit(EXIT.usage);
  }
}

/** A flag's value as a whole number ≥ `min`; a bad one ends the script with exit 2. */
export function wholeFlag(script: string, flag: string, text: string, min: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min) {
    say(`${script}: ${flag} wants a whole number ≥ ${min}, got "${text}"`);
    process.exit(EXIT.usage);
  }
  return n;
}
