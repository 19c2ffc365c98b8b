import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readExitCpuLog } from '../harness/process/exit-cpu-log.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-exit-cpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the exit CPU log', () => {
  it('reads every complete line and leaves out one still being written', () => {
    const log = join(dir, 'cpu.log');
    writeFileSync(log, '101 0.152000\n102 0.148500\n103 0.1');
    expect(readExitCpuLog(log)).toEqual([
      { pid: 101, seconds: 0.152 },
      { pid: 102, seconds: 0.1485 },
    ]);
  });

  it('is empty before any program has exited', () => {
    expect(readExitCpuLog(join(dir, 'none.log'))).toEqual([]);
  });
});
