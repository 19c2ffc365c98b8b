import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { sleep } from '../harness/process/group.js';
import { ResourceSampler } from '../harness/process/sampler.js';

// A leader that only waits, and a child of it in the same process group whose worker thread
// computes while its main thread waits: the shape of a pool's master and a threaded worker.
const LEADER = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', \`
  const { Worker } = require('node:worker_threads');
  new Worker('const until = Date.now() + 60000; while (Date.now() < until);', { eval: true });
  setInterval(() => {}, 1000);
\`], { stdio: 'inherit' });
console.log(child.pid);
setInterval(() => {}, 1000);
`;

it("samples each process's own CPU, its threads' included, and marks the group's leader", async () => {
  const leader = spawn(process.execPath, ['-e', LEADER], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const childPid = Number(await new Promise<string>((resolve) => leader.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
    await sleep(300);
    const sampler = new ResourceSampler(() => [leader.pid!]);
    await sleep(1500);
    const use = sampler.stop();
    const of = (pid: number) => use.processCpu!.find((p) => p.pid === pid)!;
    const figures = JSON.stringify(use);
    expect(use.processCpu, figures).toHaveLength(2);
    expect(of(leader.pid!).leader, figures).toBe(true);
    expect(of(childPid).leader, figures).toBe(false);
    // The computing thread had most of a core (less on a busy machine); its main thread and the leader idled.
    expect(of(childPid).cpuPercent, figures).toBeGreaterThan(40);
    expect(of(leader.pid!).cpuPercent, figures).toBeLessThan(10);
    expect(of(childPid).cpuPercent + of(leader.pid!).cpuPercent, figures).toBeCloseTo(use.cpuPercent, 0);
  } finally {
    process.kill(-leader.pid!, 'SIGKILL');
  }
});
