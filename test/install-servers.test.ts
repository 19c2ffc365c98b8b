import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { serverKinds } from '../harness/deployments/kinds.js';
import { apache2, asyncpg, findExecutable, locust, nginx, postgresql, psycogreen, psycopg2 } from '../harness/software/catalog.js';
import { stackPackages } from '../harness/deployments/stack-packages.js';
import { BIN, workFolder } from './support/cli.js';

// The command's own logic, run through the real CLI against a stand-in apt-get first on PATH (so
// that the tests change nothing on the machine): it records each call, its arguments and the
// DEBIAN_FRONTEND it was given.
const work = workFolder('install-servers');
const calls = join(work, 'calls.log');
writeFileSync(
  join(work, 'apt-get'),
  '#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> "$CALLS"\n[ "$1" = install ] && [ -n "$APT_EXIT" ] && exit "$APT_EXIT"\n[ "$1" = install ] && [ -n "$APT_SIGNAL" ] && kill -"$APT_SIGNAL" $$\nexit 0\n',
);
chmodSync(join(work, 'apt-get'), 0o755);
chmodSync(work, 0o755);
const root = process.getuid?.() === 0;

function installServers(args: string[], env: Record<string, string> = {}, asUser?: string) {
  const command = asUser ? ['runuser', '-u', asUser, '--', process.execPath, BIN] : [process.execPath, BIN];
  const r = spawnSync(command[0]!, [...command.slice(1), 'install-servers', ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, DEBIAN_FRONTEND: '', PATH: `${work}${delimiter}${process.env.PATH}`, CALLS: calls, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls: existsSync(calls) ? readFileSync(calls, 'utf8').trimEnd().split('\n') : [] };
}

beforeEach(() => rmSync(calls, { force: true }));

describe('bench install-servers', () => {
  it('installs the packages of every deployment kind, of nginx and Apache in front, of the database and of the load engines, from the one registry', () => {
    const needed = [...serverKinds.flatMap((kind) => kind.requires), nginx, apache2, postgresql, psycopg2, psycogreen, asyncpg, locust];
    const packages = stackPackages();
    for (const software of needed) expect(packages, software.name).toEqual(expect.arrayContaining(software.apt));
    expect(packages).toEqual(expect.arrayContaining(['wrk', 'supervisor', 'chromium', 'openssh-server']));
    expect(new Set(packages).size).toBe(packages.length);
  });

  it('without --yes and with no terminal to ask at, prints the commands, runs nothing and exits 2', () => {
    const r = installServers([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`apt-get install -y -q --no-install-recommends ${stackPackages().join(' ')}`);
    expect(r.stderr).toMatch(/nothing installed: .*pass --yes/);
    expect(r.calls).toEqual([]);
  });

  it.skipIf(!root)('with --yes, as root, runs apt-get update and then a non-interactive install of the whole stack', () => {
    const r = installServers(['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual([' update -q', `noninteractive install -y -q --no-install-recommends ${stackPackages().join(' ')}`]);
    expect(r.stdout).toContain('bench doctor');
  });

  it.skipIf(!root)('exits 1 naming the command when apt-get fails, and 130 when apt-get is interrupted', () => {
    const failed = installServers(['--yes'], { APT_EXIT: '100' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/apt-get install .* failed with exit code 100/);
    const interrupted = installServers(['--yes'], { APT_SIGNAL: 'INT' });
    expect(interrupted.code).toBe(130);
  });

  it.skipIf(!root || findExecutable('sudo') !== undefined)('not root and without sudo, only prints the commands, with sudo, and exits 1', () => {
    const r = installServers(['--yes'], {}, 'nobody');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install');
    expect(r.stderr).toMatch(/not root, and sudo is not installed: nothing was run/);
    expect(r.calls).toEqual([]);
  });
});
