import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { sampledGroups } from '../harness/deployments/launch.js';
import { measurePoint } from '../harness/load/measure.js';
import { nodeServerEntry } from '../harness/files/bench-paths.js';
import { decode } from '../harness/process/listeners.js';
import { freePort } from '../harness/process/ports.js';
import { groupMembers } from '../harness/process/procfs.js';
import { withDeployment } from './support/deployments.js';

it('reads /proc/net listen addresses and tells loopback from every other address', () => {
  expect(decode('0100007F:1F90', false)).toEqual({ text: '127.0.0.1:8080', port: 8080, loopback: true });
  expect(decode('00000000:1F90', false)).toEqual({ text: '0.0.0.0:8080', port: 8080, loopback: false });
  expect(decode('0101A8C0:0050', false)).toEqual({ text: '192.168.1.1:80', port: 80, loopback: false });
  expect(decode('00000000000000000000000001000000:2405', true)).toEqual({ text: '[0:0:0:0:0:0:0:1]:9221', port: 9221, loopback: true });
  expect(decode('00000000000000000000000000000000:2405', true).loopback).toBe(false);
  // An IPv4-mapped 127.0.0.1 on an IPv6 socket.
  expect(decode('0000000000000000FFFF00000100007F:2405', true).loopback).toBe(true);
});

it('takes no loopback listener for a public one: a real deployment on 127.0.0.1 starts', async () => {
  // The check runs in launch(): a deployment that reached its body passed it.
  await withDeployment({ kind: 'node-async' }, async (d) => {
    expect(new URL(d.baseUrl).hostname).toBe('127.0.0.1');
  });
});

/** A Node server started outside bench, leading a process group of its own or (wrapped) not. */
async function startedByHand(wrapped: boolean): Promise<{ url: string; pid: number }> {
  const port = await freePort();
  const server = [nodeServerEntry, '--host', '127.0.0.1', '--port', String(port), '--mode', 'blocking', '--workers', '2'];
  // Wrapped: a parent that is no server (a shell script, npm) leads the group, and the server is its child.
  const args = wrapped ? ['-e', `require('node:child_process').spawn(process.execPath, ${JSON.stringify(server)}, { stdio: 'ignore' })`] : server;
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore' });
  started.push(child.pid!);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid! };
}
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('a server started outside bench', () => {
  it('is watched through the process group listening on its port, when the server leads it: master and workers', async () => {
    const { url, pid } = await startedByHand(false);
    await withDeployment({ kind: 'external', url }, async (d) => {
      expect(d.observedGroup).toBe(pid);
      const m = await measurePoint({ url: `${url}/io?ms=5`, concurrency: 4, warmupS: 0.5, durationS: 1, timeoutS: 30, processGroups: () => sampledGroups(d) });
      // The cluster's master and its 2 workers, each a Node process of 30 MB or more.
      expect(m.resources.processes).toBe(3);
      expect(m.resources.peakRssMb).toBeGreaterThan(60);
      expect(m.resources.cpuPercent).toBeGreaterThan(0);
    });
    // Watched, never signalled: bench's teardown leaves the server running.
    expect(groupMembers(pid).length).toBe(3);
  });

  it('is not watched when something else leads its process group, which holds more than the server', async () => {
    const { url } = await startedByHand(true);
    await withDeployment({ kind: 'external', url }, async (d) => {
      expect(d.observedGroup).toBeUndefined();
      expect(sampledGroups(d)).toEqual([]);
    });
  });
});
