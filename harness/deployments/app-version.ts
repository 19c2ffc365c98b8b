import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The version the demo app announces (x-bench-version), from the file $BENCH_VERSION_FILE names,
 * which each of its processes reads once as it starts: bench writes 1 before the deployment starts
 * and 2 as a deploy begins, so that every process started since serves 2 and the old ones 1.
 */
export const VERSION_FILE_VARIABLE = 'BENCH_VERSION_FILE';

/** A deployment's version file, in the run's private folder, holding version 1. */
export function firstVersionFile(tmpDir: string, port: number): string {
  const file = join(tmpDir, `app-version-${port}`);
  announceVersion(file, '1');
  return file;
}

/** Replaces the version whole (a rename): a process starting meanwhile reads the old one or the new, never an empty file. */
export function announceVersion(file: string, version: string): void {
  writeFileSync(`${file}.new`, `${version}\n`);
  renameSync(`${file}.new`, file);
}
