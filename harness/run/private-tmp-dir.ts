import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveTempDirs } from '../process/registry.js';
import type { Progress } from './progress.js';

/** Runs work with a private (0700) folder for generated configs, removed on every exit path. */
export async function withPrivateTmpDir(ctx: { progress: Progress }, work: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'bench-')); // mode 0700: generated configs stay private
  liveTempDirs.add(tmpDir);
  try {
    await work(tmpDir);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
    liveTempDirs.delete(tmpDir);
    ctx.progress.clearLive();
  }
}
