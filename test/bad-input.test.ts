import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/bench.js');
const work = mkdtempSync(join(tmpdir(), 'bench-bad-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const GOOD = ['path: /io?ms=10', 'duration: 1', 'concurrency: [1, 2]', 'deployments:', '  - kind: node-prefork', '    workers: 2'].join('\n') + '\n';

/** A scenario file: the good one with `from` replaced by `to` (or extra text appended). */
function scenario(name: string, text: string): string {
  writeFileSync(join(work, name), text);
  return name;
}
const edit = (name: string, from: string, to: string) => scenario(name, GOOD.replace(from, to));

writeFileSync(join(work, 'a-file'), 'not a folder');
mkdirSync(join(work, 'someone-elses'));
writeFileSync(join(work, 'someone-elses', 'notes.txt'), 'keep me');

const cases: [string, string[], RegExp][] = [
  ['an empty scenario file', ['run', scenario('empty.yaml', '')], /empty\.yaml: the scenario file is empty/],
  ['a malformed scenario file', ['run', scenario('broken.yaml', 'path: [/io\nduration: 1\n')], /broken\.yaml:\d+:\d+: not valid YAML or JSON/],
  ['malformed JSON', ['run', scenario('broken.json', '{"path": "/io", ')], /broken\.json:\d+:\d+: not valid YAML or JSON/],
  ['an unknown key', ['run', scenario('extra.yaml', GOOD + 'speed: 3\n')], /extra\.yaml:7:1: unknown key "speed"/],
  ['an unknown key in a deployment', ['run', edit('dkey.yaml', '    workers: 2', '    workers: 2\n    wrokers: 2')], /dkey\.yaml:7:5: unknown key "wrokers"/],
  ['a duration of the wrong type', ['run', edit('type.yaml', 'duration: 1', 'duration: soon')], /type\.yaml:2:11: duration: expected a number of seconds from 0\.25 to 3600, got "soon"/],
  ['a non-positive duration', ['run', edit('zero.yaml', 'duration: 1', 'duration: 0')], /zero\.yaml:2:11: duration:/],
  ['a non-positive rate', ['run', scenario('rate.yaml', GOOD + 'rate: [10, -5]\n')], /rate\.yaml:7:12: rate\[1\]:/],
  ['zero repeats', ['run', scenario('repeat.yaml', GOOD + 'repeat: 0\n')], /repeat\.yaml:7:9: repeat:/],
  ['zero workers', ['run', edit('workers.yaml', 'workers: 2', 'workers: 0')], /workers\.yaml:6:14: deployments\[0\]\.workers:/],
  ['zero threads', ['run', edit('threads.yaml', '  - kind: node-prefork\n    workers: 2', '  - kind: gunicorn-gthread\n    threads: 0')], /deployments\[0\]\.threads:/],
  ['threads on a kind without threads', ['run', edit('nothreads.yaml', 'workers: 2', 'threads: 2')], /deployments\[0\]: node-prefork does not take threads/],
  ['an empty concurrency list', ['run', edit('conc.yaml', '[1, 2]', '[]')], /conc\.yaml:3:14: concurrency:/],
  ['a non-numeric concurrency', ['run', edit('concx.yaml', '[1, 2]', '[1, many]')], /concurrency\[1\]:/],
  ['an unknown deployment kind', ['run', edit('kind.yaml', 'kind: node-prefork', 'kind: gunicorn-snyc')], /deployments\[0\]: unknown deployment kind "gunicorn-snyc"; did you mean "gunicorn-sync"\?/],
  ['an empty deployment list', ['run', scenario('nodeps.yaml', 'path: /io\nduration: 1\nconcurrency: [1]\ndeployments: []\n')], /nodeps\.yaml:4:\d+: deployments:/],
  ['a request path without a leading slash', ['run', edit('path.yaml', '/io?ms=10', 'io?ms=10')], /path: a request path starts with "\/"/],
  ['an unknown scenario name', ['run', 'blocking-vs-wokers'], /unknown scenario "blocking-vs-wokers"; did you mean "blocking-vs-workers"\?/],
  ['a scenario file that does not exist', ['run', 'missing.yaml'], /scenario file missing\.yaml does not exist/],
  ['a non-positive --duration', ['run', 'blocking-vs-workers', '--duration', '0'], /--duration/],
  ['a non-numeric --duration', ['run', 'blocking-vs-workers', '--duration', 'soon'], /--duration/],
  ['a non-positive --rate', ['run', 'blocking-vs-workers', '--rate', '10,0'], /--rate/],
  ['zero --repeat', ['run', 'blocking-vs-workers', '--repeat', '0'], /--repeat/],
  ['zero --workers', ['run', 'blocking-vs-workers', '--workers=0'], /--workers/],
  ['zero --threads', ['run', 'blocking-vs-workers', '--threads', '0'], /--threads/],
  ['an empty --concurrency', ['run', 'blocking-vs-workers', '--concurrency', ''], /--concurrency/],
  ['a non-numeric --concurrency', ['run', 'blocking-vs-workers', '--concurrency', '1,x'], /--concurrency/],
  ['an unknown kind in --deployments', ['run', 'blocking-vs-workers', '--deployments', 'node-asynk'], /--deployments item 1: unknown deployment kind "node-asynk"; did you mean "node-async"\?/],
  ['an empty --deployments', ['run', 'blocking-vs-workers', '--deployments', ''], /--deployments/],
  ['a --path without a leading slash', ['run', 'blocking-vs-workers', '--path', 'io?ms=5'], /--path/],
  ['an --out that is a file', ['run', 'blocking-vs-workers', '--out', 'a-file'], /--out .*a-file is a file, not a folder/],
  ['an --out that holds something else', ['run', 'blocking-vs-workers', '--out', 'someone-elses'], /--out .*someone-elses is not empty and holds no bench run; .*--force/],
  ['wrk asked for an open loop', ['run', 'blocking-vs-workers', '--generator', 'wrk', '--rate', '10'], /--generator wrk: wrk drives a closed loop only/],
  ['an unknown --timeline deployment', ['run', 'blocking-vs-workers', '--timeline', 'nginx'], /--timeline: no deployment "nginx"/],
  ['an unknown flag', ['run', 'blocking-vs-workers', '--worker', '4'], /unknown option '--worker'/],
  ['report on a folder without results', ['report', 'someone-elses'], /results\.json does not exist/],
  ['a deployment listed twice', ['run', 'blocking-vs-workers', '--deployments', 'node-async,node-async'], /--deployments: the deployment node-async is listed twice/],
  ['a concurrency level listed twice', ['run', 'blocking-vs-workers', '--concurrency', '2,2'], /--concurrency: the level 2 is listed twice/],
  ['a timeout under a second', ['run', scenario('timeout.yaml', GOOD + 'timeout: 0.5\n')], /timeout\.yaml:7:10: timeout:/],
  ['a fractional --rate', ['run', 'blocking-vs-workers', '--rate', '0.4'], /--rate/],
  ['an external server off loopback', ['run', scenario('remote.yaml', GOOD.replace('  - kind: node-prefork\n    workers: 2', '  - kind: external\n    url: http://192.0.2.10:8000'))], /192\.0\.2\.10:8000 is not a loopback address; .*--allow-remote/],
  ['an external deployment without a url', ['run', 'blocking-vs-workers', '--deployments', 'external'], /kind external needs a url/],
  ['a YAML alias bomb', ['run', scenario('bomb.yaml', 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n')], /bomb\.yaml: .*alias/i],
];

describe('bad input', () => {
  for (const [what, args, message] of cases) {
    it(`${what} exits 2 with one line naming it, and starts nothing`, () => {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.status).toBe(2);
      expect(existsSync(join(work, 'results')), 'no results folder was created').toBe(false);
    });
  }
  it('covers at least twenty cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));
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
