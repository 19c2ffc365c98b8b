import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWorkerStatus } from '../harness/status/worker-status.js';

describe('reading a status folder', () => {
  it('lists each living process by pid with its count, deletes the files of exited ones, and skips what does not read as a count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-status-'));
    try {
      const exited = spawnSync('true').pid!;
      const living = process.pid;
      const parent = process.ppid;
      writeFileSync(join(dir, String(living)), '       3\n');
      writeFileSync(join(dir, String(parent)), '      12\n');
      writeFileSync(join(dir, String(exited)), '       1\n');
      writeFileSync(join(dir, '1'), '    '); // init, whose file would be half-written
      writeFileSync(join(dir, 'notes.txt'), '       5\n');
      const expected = [{ pid: living, busy: 3 }, { pid: parent, busy: 12 }].sort((a, b) => a.pid - b.pid);
      expect(readWorkerStatus(dir)).toEqual(expected);
      expect(existsSync(join(dir, String(exited)))).toBe(false);
      expect(existsSync(join(dir, '1'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
