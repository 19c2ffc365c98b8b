import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

/** The real CLI, as a user runs it (compiled by the tests' global setup). */
export const BIN = resolve('bin/bench.js');

/** A scratch folder for one test file, removed when the file's tests are done. */
export function workFolder(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `bench ARGS…` run to the end in `cwd`: its exit code and output. */
export function benchIn(cwd: string) {
  return (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}
