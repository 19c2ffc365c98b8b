import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import * as parse from '../harness/cli/option-parsers.js';
import { planRun, type RunFlags } from '../harness/commands/run.js';
import { wrkEngine } from '../harness/load/wrk/index.js';
import { readRun } from '../harness/results/read-run.js';
import { LIMITS } from '../harness/scenario/limits.js';

/**
 * The refusals of `bench run` and `bench report`, checked in-process with the functions the CLI
 * calls: the flag parsers commander runs (it adds the flag's name, which test/bad-input.test.ts
 * checks end to end), then planRun, everything `bench run` checks before it starts anything.
 */

const work = mkdtempSync(join(tmpdir(), 'bench-refusals-'));
const home = process.cwd();
// Names are given as a user types them, relative to the folder bench runs in.
beforeAll(() => process.chdir(work));
afterAll(() => {
  process.chdir(home);
  rmSync(work, { recursive: true, force: true });
});

const GOOD = ['path: /io?ms=10', 'duration: 1', 'concurrency: [1, 2]', 'deployments:', '  - kind: node-prefork', '    workers: 2'].join('\n') + '\n';

/** A scenario file: the good one with `from` replaced by `to` (or extra text appended). */
function scenario(name: string, text: string): string {
  writeFileSync(join(work, name), text);
  return name;
}
const edit = (name: string, from: string, to: string) => scenario(name, GOOD.replace(from, to));
const gthread = (env: string) => `  - kind: gunicorn-gthread\n    workers: 2\n    env: { GUNICORN_CMD_ARGS: "${env}" }`;

writeFileSync(join(work, 'a-file'), 'not a folder');
mkdirSync(join(work, 'someone-elses'));
writeFileSync(join(work, 'someone-elses', 'notes.txt'), 'keep me');
mkdirSync(join(work, 'a-folder.yaml'));
spawnSync('mkfifo', [join(work, 'pipe.yaml')]);
symlinkSync('/dev/null', join(work, 'null.yaml'));
symlinkSync(join(work, 'nowhere.yaml'), join(work, 'dangling.yaml'));
symlinkSync('ring-b.yaml', join(work, 'ring-a.yaml'));
symlinkSync('ring-a.yaml', join(work, 'ring-b.yaml'));
writeFileSync(join(work, 'huge.yaml'), GOOD + '# padding\n'.repeat(120_000));
// A Unix socket where a scenario file is expected; it exists while its server listens.
const socketHolder = createServer();
beforeAll(() => new Promise<void>((listening) => socketHolder.listen(join(work, 'listening.yaml'), listening)));
afterAll(() => new Promise<void>((closed) => socketHolder.close(() => closed())));

/** The message a refusal gives, which must be a UsageError (exit 2) or a flag parser's error. */
async function refusalOf(attempt: () => unknown): Promise<string> {
  try {
    await attempt();
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof InvalidArgumentError)) throw err;
    return err.message;
  }
  throw new Error('expected a refusal');
}

/** `bench run NAME` with flags as commander hands them over, already parsed. */
const run = (name: string | undefined, flags: RunFlags = {}) => () => planRun(name, flags);
/** A flag's text through the parser commander runs on it. */
const flag = (parser: (text: string) => unknown, text: string) => () => parser(text);

const cases: [string, () => unknown, RegExp][] = [
  ['an empty scenario file', run(scenario('empty.yaml', '')), /empty\.yaml: the scenario file is empty/],
  ['a malformed scenario file', run(scenario('broken.yaml', 'path: [/io\nduration: 1\n')), /broken\.yaml:\d+:\d+: not valid YAML or JSON/],
  ['malformed JSON', run(scenario('broken.json', '{"path": "/io", ')), /broken\.json:\d+:\d+: not valid YAML or JSON/],
  ['an unknown key', run(scenario('extra.yaml', GOOD + 'speed: 3\n')), /extra\.yaml:7:1: unknown key "speed"/],
  ['an unknown key in a deployment', run(edit('dkey.yaml', '    workers: 2', '    workers: 2\n    wrokers: 2')), /dkey\.yaml:7:5: unknown key "wrokers"/],
  ['a duration of the wrong type', run(edit('type.yaml', 'duration: 1', 'duration: soon')), /type\.yaml:2:11: duration: expected a number of seconds from 0\.25 to 3600, got "soon"/],
  ['a non-positive duration', run(edit('zero.yaml', 'duration: 1', 'duration: 0')), /zero\.yaml:2:11: duration:/],
  ['a non-positive rate', run(scenario('rate.yaml', GOOD + 'rate: [10, -5]\n')), /rate\.yaml:7:12: rate\[1\]:/],
  ['zero repeats', run(scenario('repeat.yaml', GOOD + 'repeat: 0\n')), /repeat\.yaml:7:9: repeat:/],
  ['zero workers', run(edit('workers.yaml', 'workers: 2', 'workers: 0')), /workers\.yaml:6:14: deployments\[0\]\.workers:/],
  ['zero threads', run(edit('threads.yaml', '  - kind: node-prefork\n    workers: 2', '  - kind: gunicorn-gthread\n    threads: 0')), /deployments\[0\]\.threads:/],
  ['threads on a kind without threads', run(edit('nothreads.yaml', 'workers: 2', 'threads: 2')), /deployments\[0\]: node-prefork does not take threads/],
  ['an empty concurrency list', run(edit('conc.yaml', '[1, 2]', '[]')), /conc\.yaml:3:14: concurrency:/],
  ['a non-numeric concurrency', run(edit('concx.yaml', '[1, 2]', '[1, many]')), /concurrency\[1\]:/],
  ['an unknown deployment kind', run(edit('kind.yaml', 'kind: node-prefork', 'kind: gunicorn-snyc')), /deployments\[0\]: unknown deployment kind "gunicorn-snyc"; did you mean "gunicorn-sync"\?/],
  ['an empty deployment list', run(scenario('nodeps.yaml', 'path: /io\nduration: 1\nconcurrency: [1]\ndeployments: []\n')), /nodeps\.yaml:4:\d+: deployments:/],
  ['a request path without a leading slash', run(edit('path.yaml', '/io?ms=10', 'io?ms=10')), /path: a request path starts with "\/"/],
  ['an unknown scenario name', run('blocking-vs-wokers'), /unknown scenario "blocking-vs-wokers"; did you mean "blocking-vs-workers"\?/],
  ['a scenario file that does not exist', run('missing.yaml'), /scenario file missing\.yaml does not exist/],
  ['a non-positive --duration', flag(parse.limited(LIMITS.duration), '0'), /from 0\.25 to 3600, got 0/],
  ['a non-numeric --duration', flag(parse.limited(LIMITS.duration), 'soon'), /in plain decimal digits, got "soon"/],
  ['a non-positive --rate', flag(parse.limitedList(LIMITS.rate), '10,0'), /got 0/],
  ['zero --repeat', flag(parse.limited(LIMITS.repeat), '0'), /from 1 to 100, got 0/],
  ['zero --workers', flag(parse.limited(LIMITS.workers), '0'), /from 1 to 256, got 0/],
  ['zero --threads', flag(parse.limited(LIMITS.threads), '0'), /from 1 to 256, got 0/],
  ['an empty --concurrency', flag(parse.limitedList(LIMITS.concurrency), ''), /expected a comma-separated list/],
  ['a non-numeric --concurrency', flag(parse.limitedList(LIMITS.concurrency), '1,x'), /got "x"/],
  ['an unknown kind in --deployments', run('blocking-vs-workers', { deployments: ['node-asynk'] }), /--deployments item 1: unknown deployment kind "node-asynk"; did you mean "node-async"\?/],
  ['an empty --deployments', flag(parse.nameList, ''), /expected a comma-separated list/],
  ['a --path without a leading slash', flag(parse.path, 'io?ms=5'), /a request path starts with "\/"/],
  ['an --out that is a file', run('blocking-vs-workers', { out: 'a-file' }), /--out .*a-file is a file, not a folder/],
  ['an --out that holds something else', run('blocking-vs-workers', { out: 'someone-elses' }), /--out .*someone-elses is not empty and holds no bench run; .*--force/],
  ['wrk asked for an open loop', run('blocking-vs-workers', { generator: 'wrk', rate: [10] }), /--generator wrk: wrk drives a closed loop only/],
  ['an unknown --timeline deployment', run('blocking-vs-workers', { timeline: 'nginx' }), /--timeline: no deployment "nginx"/],
  ['report on a folder without results', () => readRun('someone-elses'), /results\.json does not exist/],
  ['a deployment listed twice', run('blocking-vs-workers', { deployments: ['node-async', 'node-async'] }), /--deployments: the deployment node-async is listed twice/],
  ['a concurrency level listed twice', run('blocking-vs-workers', { concurrency: [2, 2] }), /--concurrency: the level 2 is listed twice/],
  ['a timeout under a second', run(scenario('timeout.yaml', GOOD + 'timeout: 0.5\n')), /timeout\.yaml:7:10: timeout:/],
  ['a fractional --rate', flag(parse.limitedList(LIMITS.rate), '0.4'), /got 0\.4/],
  ['an external server off loopback', run(scenario('remote.yaml', GOOD.replace('  - kind: node-prefork\n    workers: 2', '  - kind: external\n    url: http://192.0.2.10:8000'))), /192\.0\.2\.10:8000 is not a loopback address; .*--allow-remote/],
  ['an external deployment without a url', run('blocking-vs-workers', { deployments: ['external'] }), /kind external needs a url/],
  ['workers on an external deployment', run(edit('extworkers.yaml', '  - kind: node-prefork', '  - kind: external\n    url: http://127.0.0.1:8000')), /deployments\[0\]: workers: bench starts nothing for kind external, so it cannot set workers; .*remove it/],
  ['health on a deployment bench starts', run(edit('health.yaml', 'workers: 2', 'workers: 2\n    health: /healthz')), /deployments\[0\]: health: is for kind external only; .*app\.health/],
  ['an external health that is no path', run(scenario('exthealth.yaml', GOOD.replace('  - kind: node-prefork\n    workers: 2', '  - kind: external\n    url: http://127.0.0.1:8000\n    health: healthz'))), /exthealth\.yaml:7:13: deployments\[0\]\.health: a request path starts with "\/"/],
  ['a YAML alias bomb', run(scenario('bomb.yaml', 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n')), /bomb\.yaml: .*alias/i],
];

/** Issue 27's kinds of bad input, with other values than the issue's own. */
const refusals: [string, () => unknown, RegExp][] = [
  // One table of limits: flags and keys refused alike, with the limit and, where it is not plain, the reason.
  ['a pool of 300 workers from the command line', flag(parse.limited(LIMITS.workers), '300'), /from 1 to 256, got 300: more processes measure/],
  ['a pool of 4096 workers in a scenario', run(edit('w4096.yaml', 'workers: 2', 'workers: 4096')), /w4096\.yaml:6:14: deployments\[0\]\.workers: expected a whole number of worker processes from 1 to 256, got 4096/],
  ['a pool size of 2.5 in a scenario', run(edit('w25.yaml', 'workers: 2', 'workers: 2.5')), /w25\.yaml:6:14: deployments\[0\]\.workers: expected a whole number of worker processes from 1 to 256, got 2\.5$/],
  ['a sweep of pool sizes with one too large', run(edit('wsweep.yaml', 'workers: 2', 'workers: [1, 512]')), /deployments\[0\]\.workers\[1\]: expected a whole number of worker processes from 1 to 256, got 512/],
  ['1000 threads per worker', run(edit('t1000.yaml', '  - kind: node-prefork\n    workers: 2', '  - kind: gunicorn-gthread\n    threads: 1000')), /deployments\[0\]\.threads: expected a whole number of threads per worker from 1 to 256, got 1000/],
  ['a window of 50 ms from the command line', flag(parse.limited(LIMITS.duration), '0.05'), /from 0\.25 to 3600, got 0\.05: a shorter window is mostly its own edges/],
  ['a window of 0.1 s in a scenario', run(edit('d01.yaml', 'duration: 1', 'duration: 0.1')), /d01\.yaml:2:11: duration: expected a number of seconds from 0\.25 to 3600, got 0\.1: a shorter window/],
  ['20000 clients', flag(parse.limitedList(LIMITS.concurrency), '4,20000'), /from 1 to 10000, got 20000/],
  ['101 repeats', flag(parse.limited(LIMITS.repeat), '101'), /from 1 to 100, got 101/],
  ['a negative warm-up', flag(parse.limited(LIMITS.warmup), '-2'), /from 0 to 3600, got -2/],
  ['a connection cap of two million', run(scenario('maxc.yaml', GOOD + 'rate: [10]\nmaxConnections: 2000000\n')), /maxConnections: expected a whole number of connections from 1 to 1000000, got 2000000/],
  ['1500 slow clients', run(scenario('slow.yaml', GOOD + 'slowClients: { count: 1500, sendBytesPerSecond: 100 }\n')), /slowClients\.count: expected a whole number of slow clients from 0 to 1000, got 1500/],
  // Numbers are decimal only.
  ['a hexadecimal thread count on the command line', flag(parse.limited(LIMITS.threads), '0x4'), /in plain decimal digits, got "0x4"/],
  ['a window in exponent notation on the command line', flag(parse.limited(LIMITS.duration), '2e1'), /in plain decimal digits, got "2e1"/],
  ['a window with a leading space on the command line', flag(parse.limited(LIMITS.duration), ' 3'), /in plain decimal digits, got " 3"/],
  ['a window of NaN seconds', flag(parse.limited(LIMITS.duration), 'NaN'), /in plain decimal digits, got "NaN"/],
  ['a rate in exponent notation on the command line', flag(parse.limitedList(LIMITS.rate), '50,1e2'), /in plain decimal digits, got "1e2"/],
  ['a window in exponent notation in a scenario', run(edit('d5e.yaml', 'duration: 1', 'duration: 5e-1')), /d5e\.yaml:2:11: duration: 5e-1 is not a plain decimal number \(YAML reads it as 0\.5\); write 0\.5/],
  ['an octal warm-up in a scenario', run(scenario('w0o.yaml', GOOD + 'warmup: 0o17\n')), /w0o\.yaml:7:9: warmup: 0o17 is not a plain decimal number \(YAML reads it as 15\); write 15/],
  ['a hexadecimal client count in a scenario', run(edit('c0x.yaml', '[1, 2]', '[1, 0x40]')), /c0x\.yaml:3:18: concurrency\[1\]: 0x40 is not a plain decimal number \(YAML reads it as 64\)/],
  ['a timeout of .nan in a scenario', run(scenario('nan.yaml', GOOD + 'timeout: .nan\n')), /nan\.yaml:7:10: timeout: \.nan is not a plain decimal number/],
  ['an exponent in a JSON scenario', run(scenario('exp.json', JSON.stringify({ path: '/hello', duration: 1, concurrency: [1], deployments: ['node-async'] }).replace('"duration":1', '"duration":1E1'))), /exp\.json:1:\d+: duration: 1E1 is not a plain decimal number/],
  ['a pool of 2.5 connections', run(scenario('pool25.yaml', 'database: postgres\npath: /db?ms=5\nduration: 1\nconcurrency: [1]\ndeployments: [{ kind: node-async, pool: 2.5 }]\n')), /pool25\.yaml:5:\d+: deployments\[0\]\.pool: expected a whole number of database connections per process from 1 to 10000, got 2\.5$/],
  ['an upstream keep-alive of zero', run(scenario('ka0.yaml', 'path: /hello\nduration: 1\nconcurrency: [1]\ndeployments: [{ kind: node-async+nginx, nginx: { upstreamKeepalive: 0 } }]\n')), /ka0\.yaml:4:\d+: deployments\[0\]\.nginx\.upstreamKeepalive: expected a whole number of idle upstream connections per nginx worker from 1 to 100000, got 0$/],
  ['a request weight of a half', run(scenario('weight.yaml', 'requests: [{ path: /hello, weight: 0.5 }, { path: /io }]\nduration: 1\nconcurrency: [1]\ndeployments: [node-async]\n')), /weight\.yaml:1:\d+: requests\[0\]\.weight: expected a whole number of shares of the request mix from 1 to 1000, got 0\.5$/],
  ['two YAML documents in one scenario', run(scenario('twodocs.yaml', GOOD + '---\npath: /io\n')), /twodocs\.yaml:\d+:\d+: not valid YAML or JSON: a second document starts here \(a "---" line\); a scenario is one document$/],
  // Control characters in paths, headers, env and labels, never sent or printed raw.
  ['an --out with an escape sequence in its name', run('blocking-vs-workers', { out: 'runs/\x1b[31mred' }), /^--out ".*\/runs\/\\x1b\[31mred": the path has a control character \(\\x1b\); name another folder$/],
  ['a NUL byte in a JSON scenario\'s path', run(scenario('nul.json', '{"path": "/io?ms=1\\u0000", "duration": 1, "concurrency": [1], "deployments": ["node-async"]}')), /nul\.json:1:10: path: a request path has a control character \(\\x00, character 9\)/],
  ['an escape sequence in --path', flag(parse.path, '/hello\x1b[2J'), /a request path has a control character \(\\x1b, character 7\)/],
  ['a carriage return in a header value', run(scenario('hdr.yaml', 'requests: [{ path: /hello, headers: { x-trace: "a\\rInjected: 1" } }]\nduration: 1\nconcurrency: [1]\ndeployments: [node-async]\n')), /requests\[0\]\.headers\.x-trace: a header value has a control character \(\\x0d, character 2\)/],
  ['a control character in a header name', run(scenario('hname.json', '{"requests": [{"path": "/hello", "headers": {"x-trace\\u0001id": "7"}}], "duration": 1, "concurrency": [1], "deployments": ["node-async"]}')), /hname\.json:1:\d+: requests\[0\]\.headers: "x-trace\\x01id" is not an HTTP header name \(letters, digits and -, as in content-type; no spaces, colons or control characters\)$/],
  ['a header name with a space', run(scenario('hspace.yaml', 'requests: [{ path: /hello, headers: { "accept language": en } }]\nduration: 1\nconcurrency: [1]\ndeployments: [node-async]\n')), /hspace\.yaml:1:\d+: requests\[0\]\.headers: "accept language" is not an HTTP header name/],
  ['an env name that starts with a digit', run(edit('envname.yaml', 'workers: 2', 'workers: 2\n    env: { 2FAST: "1" }')), /envname\.yaml:\d+:\d+: deployments\[0\]\.env: "2FAST" is not an environment variable name like GUNICORN_CMD_ARGS$/],
  ['a NUL byte in an env value', run(edit('envnul.yaml', 'workers: 2', 'workers: 2\n    env: { MODE: "fast\\0" }')), /deployments\[0\]\.env\.MODE: the value has a control character \(\\x00, character 5\)/],
  ['a line break in a label', run(edit('label.yaml', 'workers: 2', 'workers: 2\n    label: "two\\nlines"')), /deployments\[0\]\.label: a label has a control character \(\\x0a, character 4\)/],
  // The demo app's own limits, and requests that outlast the timeout or the window.
  ['a CPU burn past the demo app\'s minute', run('blocking-vs-workers', { path: '/cpu?ms=75000' }), /--path: "\/cpu\?ms=75000": the demo app takes ms from 0 to 60000 .* answers 400 to ms="75000"/],
  ['an ms the demo app cannot read', run(edit('msx.yaml', 'path: /io?ms=10', 'path: [/hello, "/io?ms=1,5"]')), /path\[1\]: "\/io\?ms=1,5": the demo app takes ms from 0 to 60000/],
  ['a request in a mix that outlasts the timeout', run(scenario('mixslow.yaml', 'requests: [{ path: /hello }, { path: "/db?ms=12000" }]\ntimeout: 10\nduration: 20\nconcurrency: [1]\ndeployments: [node-async]\n')), /requests\[1\]\.path: "\/db\?ms=12000": each request takes 12 s, and timeout is 10 s: every one would time out/],
  ['a request longer than the window', run('blocking-vs-workers', { path: '/io?ms=3500', duration: 2 }), /--path: "\/io\?ms=3500": each request takes 3\.5 s, longer than the 2 s window \(--duration\)/],
  ['more rows than the demo table holds', run('blocking-vs-workers', { path: '/db-rows?n=1001' }), /--path: "\/db-rows\?n=1001": the demo app reads n from 0 to 1000 rows/],
  // The scenario's kind of file, named as what it is (stat, never open: a FIFO would block).
  ['a folder named like a scenario', run('a-folder.yaml'), /scenario file a-folder\.yaml is a directory, not a scenario file/],
  ['a FIFO given as the scenario', run('pipe.yaml'), /scenario file pipe\.yaml is a FIFO \(named pipe\), not a scenario file/],
  ['a Unix socket given as the scenario', run('listening.yaml'), /scenario file listening\.yaml is a socket, not a scenario file/],
  ['a link to /dev/null given as the scenario', run('null.yaml'), /scenario file null\.yaml is a character device, not a scenario file/],
  ['a link to nothing given as the scenario', run('dangling.yaml'), /scenario file dangling\.yaml does not exist/],
  ['a loop of links given as the scenario', run('ring-a.yaml'), /cannot read scenario file ring-a\.yaml: too many symbolic links in the path \(a loop of links\?\); name the file or folder itself$/],
  ['a megabyte of scenario', run('huge.yaml'), /scenario file huge\.yaml holds \d+ bytes; a scenario is a few kilobytes/],
  // "did you mean" for kinds in files, as on the command line.
  ['a capitalised kind in a scenario', run(edit('caps.yaml', 'kind: node-prefork', 'kind: Gunicorn-Sync')), /caps\.yaml:5:11: deployments\[0\]\.kind: unknown deployment kind "Gunicorn-Sync"; did you mean "gunicorn-sync"\?/],
  ['a capitalised kind with nginx in front', run(scenario('capsn.yaml', 'path: /hello\nduration: 1\nconcurrency: [1]\ndeployments: [UWSGI+Nginx]\n')), /deployments\[0\]: unknown deployment kind "UWSGI\+Nginx"; did you mean "uwsgi\+nginx"\?/],
  // env: differences are a comparison that needs labels, not a repeat.
  ['two deployments that differ only in env', run(edit('env2.yaml', '  - kind: node-prefork\n    workers: 2', `${gthread('--keep-alive 5')}\n${gthread('--keep-alive 0')}`)), /deployments: two deployments are both labelled "gunicorn-gthread ×2 \(4 threads\)" and differ in env \(GUNICORN_CMD_ARGS\); give each a label: of its own/],
  // Plans too long to start unasked.
  ['a plan of days at no terminal', run('blocking-vs-workers', { duration: 2400, concurrency: [1, 8, 32] }), /not started: this run would last about \d+ h \d+ min, and there is no terminal to confirm it at; pass --yes to start it/],
];

describe('bad input, refused before anything starts', () => {
  for (const [what, attempt, message] of cases) {
    it(`refuses ${what} in one line naming it`, async () => {
      const refusal = await refusalOf(attempt);
      expect(refusal).toMatch(message);
      expect(refusal).not.toContain('\n');
    });
  }
  it('covers at least twenty cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));
});

describe('bad input of the kinds issue 27 found, refused before anything starts', () => {
  for (const [what, attempt, message] of refusals) {
    it(`refuses ${what} in one line, with no control character shown raw`, async () => {
      const refusal = await refusalOf(attempt);
      expect(refusal).toMatch(message);
      expect(refusal).not.toMatch(/[\x00-\x1f\x7f]/);
    });
  }
  it('covers at least forty cases', () => expect(refusals.length).toBeGreaterThanOrEqual(40));

  it('made no results folder for any of them', () => expect(existsSync(join(work, 'results'))).toBe(false));
});

describe("what wrk cannot drive, refused the same whether or not it is installed", () => {
  it('names the builtin generator for an open loop, a mix and slow clients', () => {
    expect(wrkEngine.unavailable({ openLoop: true, mix: false, slowClients: false })).toMatch(/closed loop only; use the builtin generator for an open loop/);
    expect(wrkEngine.unavailable({ openLoop: false, mix: true, slowClients: false })).toMatch(/use the builtin generator for a requests: mix/);
    expect(wrkEngine.unavailable({ openLoop: false, mix: false, slowClients: true })).toMatch(/cannot trickle requests; use the builtin generator for slow clients/);
  });
});
