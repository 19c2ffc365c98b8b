import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWith, python3 } from './support/software.js';

const BIN = resolve('bin/bench.js');
const work = mkdtempSync(join(tmpdir(), 'bench-bad-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A scenario file in the work folder. */
function scenario(name: string, text: string): string {
  writeFileSync(join(work, name), text);
  return name;
}


/** Processes whose environment holds `marker`: whatever a bench run started and left running. */
function processesMarked(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return found;
}

let runs = 0;

/**
 * `bench ARGS` in the work folder, with a marker in its environment (which every child inherits)
 * and a private TMPDIR: its exit code and stderr, and what it left behind (processes carrying
 * the marker, files in its TMPDIR, a results folder).
 */
function bench(args: string[], timeout = 30_000) {
  const marker = `BENCH_BAD_INPUT_MARK=${process.pid}-${++runs}`;
  const tmp = mkdtempSync(join(tmpdir(), 'bench-bad-tmp-'));
  const [name, value] = marker.split('=') as [string, string];
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout, env: { ...process.env, [name]: value, TMPDIR: tmp } });
  const left = { processes: processesMarked(marker), tmpFiles: readdirSync(tmp), results: existsSync(join(work, 'results')) };
  rmSync(tmp, { recursive: true, force: true });
  return { code: r.status, stderr: r.stderr, left };
}

/** Exit 2, one line of stderr matching `message`, and nothing started or left behind. */
function expectRefused(r: ReturnType<typeof bench>, message: RegExp): void {
  expect(r.stderr.split('\n')[0]).toMatch(message);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.code).toBe(2);
  expect(r.left).toEqual({ processes: [], tmpFiles: [], results: false });
}

/**
 * The CLI end to end: exit 2, one line of stderr naming the flag or file, and nothing started or
 * left behind. What each refusal says is checked in-process, case by case, in
 * input-refusals.unit.test.ts; these are the cases only the CLI can show: commander naming the
 * flag, the "bench: error:" line with its control characters escaped, and the checks that run an
 * interpreter or another command.
 */
const cases: [string, string[], RegExp][] = [
  ['an unknown flag', ['run', 'blocking-vs-workers', '--worker', '4'], /^bench: error: unknown option '--worker' \(Did you mean --workers\?\)$/],
  ['a non-numeric --duration', ['run', 'blocking-vs-workers', '--duration', 'soon'], /--duration.* in plain decimal digits, got "soon"/],
  ['a malformed scenario file', ['run', scenario('broken.yaml', 'path: [/io\nduration: 1\n')], /^bench: error: \S*broken\.yaml:\d+:\d+: not valid YAML or JSON/],
  ['an escape sequence in --path', ['run', 'blocking-vs-workers', '--path', '/hello\x1b[2J'], /--path.*\\x1b\[2J.*control character \(\\x1b, character 7\)/],
  ['an --out with an escape sequence in its name', ['run', 'blocking-vs-workers', '--out', 'runs/\x1b[31mred'], /^bench: error: --out ".*\/runs\/\\x1b\[31mred": the path has a control character \(\\x1b\); name another folder$/],
  ['a run folder to report whose name clears the screen', ['report', 'gone\x1b[2J'], /^bench: error: gone\\x1b\[2J does not exist/],
  ['a sweep of hours at no terminal', ['tune', 'wsgi-workers', '--duration', '900'], /not started: this run would last about \d+ h \d+ min, and there is no terminal to confirm it at; pass --yes to start it/],
];

describe('bad input on the command line', () => {
  for (const [what, args, message] of cases) {
    it(`${what} exits 2 with one line naming it, and starts nothing`, () => {
      const r = bench(args);
      expectRefused(r, message);
      // A control character is shown escaped, never written to the terminal as itself.
      expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    });
  }
});

// Apps that cannot be imported, refused in their own Python's words before any server starts.
mkdirSync(join(work, 'apps'));
writeFileSync(join(work, 'apps', 'shop.py'), 'def application(environ, start_response):\n    start_response("200 OK", [])\n    return [b"ok"]\nsettings = {"debug": False}\n');
writeFileSync(join(work, 'apps', 'needs_config.py'), 'raise RuntimeError("set SHOP_CONFIG before importing shop")\n');
writeFileSync(join(work, 'apps', 'typo.py'), 'def application(environ start_response):\n    pass\n');
const APP = ['--app-dir', 'apps', '--deployments', 'gunicorn-sync'];

const appRefusals: [string, string[], RegExp][] = [
  ['a module that does not exist', ['run', '--app', 'storefront_xyz:application', ...APP], /--app: storefront_xyz:application cannot be imported .*: ModuleNotFoundError: No module named 'storefront_xyz'$/],
  ['a callable the module lacks', ['run', '--app', 'shop:app', ...APP], /--app: shop:app cannot be imported .*: AttributeError: module 'shop' has no attribute 'app'/],
  ['a module attribute that is not callable', ['run', '--app', 'shop:settings', ...APP], /--app: shop:settings cannot be imported .*: TypeError: shop:settings is a dict, not a WSGI or ASGI callable/],
  ['a module that raises at import', ['run', '--app', 'needs_config', ...APP], /--app: needs_config:application cannot be imported .*: RuntimeError: set SHOP_CONFIG before importing shop/],
  ['a module with a syntax error', ['run', '--app', 'typo:application', ...APP], /--app: typo:application cannot be imported .*: SyntaxError: /],
  ['a scenario whose app cannot be imported', ['run', scenario('app.yaml', 'app: { wsgi: "inventory_q:application", dir: apps }\npath: /\nduration: 1\nconcurrency: [1]\ndeployments: [wsgiref]\n')], /app\.yaml: app\.wsgi: inventory_q:application cannot be imported .*ModuleNotFoundError/],
];

(await describeWith([python3]))('a WSGI app that cannot be imported', () => {
  for (const [what, args, message] of appRefusals) {
    it(`refuses ${what} with exit 2 and one line, leaving nothing behind`, () => expectRefused(bench(args), message));
  }
});

describe('limits checked before anything starts', () => {
  it('refuses more connections than ulimit -n allows, saying how many it needs and how to raise it', () => {
    // prlimit (util-linux) runs bench with a soft limit of 300 open files.
    const r = spawnSync('prlimit', ['--nofile=300', process.execPath, BIN, 'run', 'blocking-vs-workers', '--concurrency', '1,400'], { cwd: work, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--concurrency: 400 connections need 464 open files, but ulimit -n is 300; raise it \(ulimit -n 464\)/);
  });
});
