import { describe, expect, it } from 'vitest';
import { whyNoHello } from '../harness/remote/reach.js';

const server = { destination: 'bench@203.0.113.10', bench: ['npx', '--no', '--offline', 'bench'] };

describe('a far side that never said hello', () => {
  it('is a refused key when ssh says permission denied, fixed by ssh-copy-id', () => {
    const why = whyNoHello(server, { code: 255, signal: null }, 'bench@203.0.113.10: Permission denied (publickey).\n');
    expect(why).toBe(
      '--server-host bench@203.0.113.10: ssh was refused (bench@203.0.113.10: Permission denied (publickey).); install your key there with: ' +
        'ssh-copy-id bench@203.0.113.10 (bench logs in with keys only, in batch mode), then check: ssh -o BatchMode=yes bench@203.0.113.10 true',
    );
  });

  it('is an unknown host key when ssh says so, fixed by one connection by hand', () => {
    expect(whyNoHello(server, { code: 255, signal: null }, 'Host key verification failed.\n')).toMatch(/does not know that machine's host key.*connect once by hand \(ssh bench@203\.0\.113\.10\)/);
  });

  it('is an unreachable host for any other ssh failure, with ssh\'s own words', () => {
    expect(whyNoHello(server, { code: 255, signal: null }, 'ssh: connect to host 203.0.113.10 port 22: Connection timed out\n')).toBe(
      '--server-host bench@203.0.113.10: ssh could not reach it (ssh: connect to host 203.0.113.10 port 22: Connection timed out); check: ssh -o BatchMode=yes bench@203.0.113.10 true',
    );
  });

  it('is a missing bench when the far shell, npx or node cannot find it, naming the line that says so', () => {
    const npx = 'npm error code ENOTCACHED\nnpm error request to http://registry/bench failed\nnpm error A complete log of this run can be found in: x.log\n';
    expect(whyNoHello(server, { code: 1, signal: null }, npx)).toMatch(/"npx --no --offline bench" found no bench there \(npm error code ENOTCACHED\); install it there with: npm install -g concurrency-bench/);
    expect(whyNoHello({ ...server, bench: ['bench'] }, { code: 127, signal: null }, 'bash: line 1: bench: command not found\n')).toMatch(/found no bench there \(bash: line 1: bench: command not found\)/);
    expect(whyNoHello({ ...server, bench: ['node', '/opt/b.js'] }, { code: 1, signal: null }, "Error: Cannot find module '/opt/b.js'\n  at x\nNode.js v20.20.2\n")).toMatch(
      /found no bench there \(Error: Cannot find module '\/opt\/b\.js'\)/,
    );
  });

  it('is a bench that gave no sign of life when ssh still runs at the deadline, as an npx waiting on a registry does', () => {
    expect(whyNoHello(server, undefined, '')).toMatch(/"npx --no --offline bench" gave no sign of bench within 7 s \(nothing printed\), as when bench is not installed there; install it there with/);
  });
});
