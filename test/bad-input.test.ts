import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
  ['workers on an external deployment', ['run', edit('extworkers.yaml', '  - kind: node-prefork', '  - kind: external\n    url: http://127.0.0.1:8000')], /deployments\[0\]: workers: bench starts nothing for kind external, so it cannot set workers; .*remove it/],
  ['health on a deployment bench starts', ['run', edit('health.yaml', 'workers: 2', 'workers: 2\n    health: /healthz')], /deployments\[0\]: health: is for kind external only; .*app\.health/],
  ['an external health that is no path', ['run', scenario('exthealth.yaml', GOOD.replace('  - kind: node-prefork\n    workers: 2', '  - kind: external\n    url: http://127.0.0.1:8000\n    health: healthz'))], /exthealth\.yaml:7:13: deployments\[0\]\.health: a request path starts with "\/"/],
  ['a YAML alias bomb', ['run', scenario('bomb.yaml', 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n')], /bomb\.yaml: .*alias/i],
];

describe('bad input', () => {
  for (const [what, args, message] of cases) {
    it(`${what} exits 2 with one line naming it, and starts nothing`, () => expectRefused(bench(args), message));
  }
  it('covers at least twenty cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));
});

// Fixtures for the cases below: apps that cannot be imported, and things that are not scenario files.
mkdirSync(join(work, 'apps'));
writeFileSync(join(work, 'apps', 'shop.py'), 'def application(environ, start_response):\n    start_response("200 OK", [])\n    return [b"ok"]\nsettings = {"debug": False}\n');
writeFileSync(join(work, 'apps', 'needs_config.py'), 'raise RuntimeError("set SHOP_CONFIG before importing shop")\n');
writeFileSync(join(work, 'apps', 'typo.py'), 'def application(environ start_response):\n    pass\n');
mkdirSync(join(work, 'a-folder.yaml'));
spawnSync('mkfifo', [join(work, 'pipe.yaml')]);
spawnSync('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', join(work, 'listening.yaml')]);
symlinkSync('/dev/null', join(work, 'null.yaml'));
symlinkSync(join(work, 'nowhere.yaml'), join(work, 'dangling.yaml'));
symlinkSync('ring-b.yaml', join(work, 'ring-a.yaml'));
symlinkSync('ring-a.yaml', join(work, 'ring-b.yaml'));
writeFileSync(join(work, 'huge.yaml'), GOOD + '# padding\n'.repeat(120_000));
const APP = ['--app-dir', 'apps', '--deployments', 'gunicorn-sync'];
const gthread = (env: string) => `  - kind: gunicorn-gthread\n    workers: 2\n    env: { GUNICORN_CMD_ARGS: "${env}" }`;

/** Issue 27's kinds of bad input, with other values than the issue's own. */
const refusals: [string, string[], RegExp][] = [
  // One table of limits: flags and keys refused alike, with the limit and, where it is not plain, the reason.
  ['a pool of 300 workers from the command line', ['run', 'blocking-vs-workers', '--workers', '300'], /--workers.* from 1 to 256, got 300: more processes measure/],
  ['a pool of 4096 workers in a scenario', ['run', edit('w4096.yaml', 'workers: 2', 'workers: 4096')], /w4096\.yaml:6:14: deployments\[0\]\.workers: expected a whole number of worker processes from 1 to 256, got 4096/],
  ['a pool size of 2.5 in a scenario', ['run', edit('w25.yaml', 'workers: 2', 'workers: 2.5')], /w25\.yaml:6:14: deployments\[0\]\.workers: expected a whole number of worker processes from 1 to 256, got 2\.5$/],
  ['a sweep of pool sizes with one too large', ['run', edit('wsweep.yaml', 'workers: 2', 'workers: [1, 512]')], /deployments\[0\]\.workers\[1\]: expected a whole number of worker processes from 1 to 256, got 512/],
  ['1000 threads per worker', ['run', edit('t1000.yaml', '  - kind: node-prefork\n    workers: 2', '  - kind: gunicorn-gthread\n    threads: 1000')], /deployments\[0\]\.threads: expected a whole number of threads per worker from 1 to 256, got 1000/],
  ['a window of 50 ms from the command line', ['run', 'blocking-vs-workers', '--duration', '0.05'], /--duration.* from 0\.25 to 3600, got 0\.05: a shorter window is mostly its own edges/],
  ['a window of 0.1 s in a scenario', ['run', edit('d01.yaml', 'duration: 1', 'duration: 0.1')], /d01\.yaml:2:11: duration: expected a number of seconds from 0\.25 to 3600, got 0\.1: a shorter window/],
  ['a window of 0.2 s for bench tune', ['tune', 'wsgi-workers', '--duration', '0.2'], /--duration.* from 0\.25 to 3600, got 0\.2/],
  ['20000 clients', ['run', 'blocking-vs-workers', '--concurrency', '4,20000'], /--concurrency.* from 1 to 10000, got 20000/],
  ['101 repeats', ['run', 'blocking-vs-workers', '--repeat', '101'], /--repeat.* from 1 to 100, got 101/],
  ['a negative warm-up', ['run', 'blocking-vs-workers', '--warmup=-2'], /--warmup.* from 0 to 3600, got -2/],
  ['a connection cap of two million', ['run', scenario('maxc.yaml', GOOD + 'rate: [10]\nmaxConnections: 2000000\n')], /maxConnections: expected a whole number of connections from 1 to 1000000, got 2000000/],
  ['1500 slow clients', ['run', scenario('slow.yaml', GOOD + 'slowClients: { count: 1500, sendBytesPerSecond: 100 }\n')], /slowClients\.count: expected a whole number of slow clients from 0 to 1000, got 1500/],
  // Numbers are decimal only.
  ['a hexadecimal thread count on the command line', ['run', 'blocking-vs-workers', '--threads', '0x4'], /--threads.* in plain decimal digits, got "0x4"/],
  ['a window in exponent notation on the command line', ['run', 'blocking-vs-workers', '--duration', '2e1'], /--duration.* in plain decimal digits, got "2e1"/],
  ['a window with a leading space on the command line', ['run', 'blocking-vs-workers', '--duration', ' 3'], /--duration.* in plain decimal digits, got " 3"/],
  ['a window of NaN seconds', ['run', 'blocking-vs-workers', '--duration', 'NaN'], /--duration.* in plain decimal digits, got "NaN"/],
  ['a rate in exponent notation on the command line', ['run', 'blocking-vs-workers', '--rate', '50,1e2'], /--rate.* in plain decimal digits, got "1e2"/],
  ['a window in exponent notation in a scenario', ['run', edit('d5e.yaml', 'duration: 1', 'duration: 5e-1')], /d5e\.yaml:2:11: duration: 5e-1 is not a plain decimal number \(YAML reads it as 0\.5\); write 0\.5/],
  ['an octal warm-up in a scenario', ['run', scenario('w0o.yaml', GOOD + 'warmup: 0o17\n')], /w0o\.yaml:7:9: warmup: 0o17 is not a plain decimal number \(YAML reads it as 15\); write 15/],
  ['a hexadecimal client count in a scenario', ['run', edit('c0x.yaml', '[1, 2]', '[1, 0x40]')], /c0x\.yaml:3:18: concurrency\[1\]: 0x40 is not a plain decimal number \(YAML reads it as 64\)/],
  ['a timeout of .nan in a scenario', ['run', scenario('nan.yaml', GOOD + 'timeout: .nan\n')], /nan\.yaml:7:10: timeout: \.nan is not a plain decimal number/],
  ['an exponent in a JSON scenario', ['run', scenario('exp.json', JSON.stringify({ path: '/hello', duration: 1, concurrency: [1], deployments: ['node-async'] }).replace('"duration":1', '"duration":1E1'))], /exp\.json:1:\d+: duration: 1E1 is not a plain decimal number/],
  ['a pool of 2.5 connections', ['run', scenario('pool25.yaml', 'database: postgres\npath: /db?ms=5\nduration: 1\nconcurrency: [1]\ndeployments: [{ kind: node-async, pool: 2.5 }]\n')], /pool25\.yaml:5:\d+: deployments\[0\]\.pool: expected a whole number of database connections per process from 1 to 10000, got 2\.5$/],
  ['an upstream keep-alive of zero', ['run', scenario('ka0.yaml', 'path: /hello\nduration: 1\nconcurrency: [1]\ndeployments: [{ kind: node-async+nginx, nginx: { upstreamKeepalive: 0 } }]\n')], /ka0\.yaml:4:\d+: deployments\[0\]\.nginx\.upstreamKeepalive: expected a whole number of idle upstream connections per nginx worker from 1 to 100000, got 0$/],
  ['a request weight of a half', ['run', scenario('weight.yaml', 'requests: [{ path: /hello, weight: 0.5 }, { path: /io }]\nduration: 1\nconcurrency: [1]\ndeployments: [node-async]\n')], /weight\.yaml:1:\d+: requests\[0\]\.weight: expected a whole number of shares of the request mix from 1 to 1000, got 0\.5$/],
  ['two YAML documents in one scenario', ['run', scenario('twodocs.yaml', GOOD + '---\npath: /io\n')], /twodocs\.yaml:\d+:\d+: not valid YAML or JSON: a second document starts here \(a "---" line\); a scenario is one document$/],
  // Control characters in paths, headers, env and labels, never sent or printed raw.
  ['an --out with an escape sequence in its name', ['run', 'blocking-vs-workers', '--out', 'runs/\x1b[31mred'], /^bench: error: --out ".*\/runs\/\\x1b\[31mred": the path has a control character \(\\x1b\); name another folder$/],
  ['a run folder to report whose name clears the screen', ['report', 'gone\x1b[2J'], /^bench: error: gone\\x1b\[2J does not exist/],
  ['a NUL byte in a JSON scenario\'s path', ['run', scenario('nul.json', '{"path": "/io?ms=1\\u0000", "duration": 1, "concurrency": [1], "deployments": ["node-async"]}')], /nul\.json:1:10: path: a request path has a control character \(\\x00, character 9\)/],
  ['an escape sequence in --path', ['run', 'blocking-vs-workers', '--path', '/hello\x1b[2J'], /--path.*\\x1b\[2J.*control character \(\\x1b, character 7\)/],
  ['a carriage return in a header value', ['run', scenario('hdr.yaml', 'requests: [{ path: /hello, headers: { x-trace: "a\\rInjected: 1" } }]\nduration: 1\nconcurrency: [1]\ndeployments: [node-async]\n')], /requests\[0\]\.headers\.x-trace: a header value has a control character \(\\x0d, character 2\)/],
  ['a control character in a header name', ['run', scenario('hname.json', '{"requests": [{"path": "/hello", "headers": {"x-trace\\u0001id": "7"}}], "duration": 1, "concurrency": [1], "deployments": ["node-async"]}')], /hname\.json:1:\d+: requests\[0\]\.headers: "x-trace\\x01id" is not an HTTP header name \(letters, digits and -, as in content-type; no spaces, colons or control characters\)$/],
  ['a header name with a space', ['run', scenario('hspace.yaml', 'requests: [{ path: /hello, headers: { "accept language": en } }]\nduration: 1\nconcurrency: [1]\ndeployments: [node-async]\n')], /hspace\.yaml:1:\d+: requests\[0\]\.headers: "accept language" is not an HTTP header name/],
  ['an env name that starts with a digit', ['run', edit('envname.yaml', 'workers: 2', 'workers: 2\n    env: { 2FAST: "1" }')], /envname\.yaml:\d+:\d+: deployments\[0\]\.env: "2FAST" is not an environment variable name like GUNICORN_CMD_ARGS$/],
  ['a NUL byte in an env value', ['run', edit('envnul.yaml', 'workers: 2', 'workers: 2\n    env: { MODE: "fast\\0" }')], /deployments\[0\]\.env\.MODE: the value has a control character \(\\x00, character 5\)/],
  ['a line break in a label', ['run', edit('label.yaml', 'workers: 2', 'workers: 2\n    label: "two\\nlines"')], /deployments\[0\]\.label: a label has a control character \(\\x0a, character 4\)/],
  // The demo app's own limits, and requests that outlast the timeout or the window.
  ['a CPU burn past the demo app\'s minute', ['run', 'blocking-vs-workers', '--path', '/cpu?ms=75000'], /--path: "\/cpu\?ms=75000": the demo app takes ms from 0 to 60000 .* answers 400 to ms="75000"/],
  ['an ms the demo app cannot read', ['run', edit('msx.yaml', 'path: /io?ms=10', 'path: [/hello, "/io?ms=1,5"]')], /path\[1\]: "\/io\?ms=1,5": the demo app takes ms from 0 to 60000/],
  ['a request in a mix that outlasts the timeout', ['run', scenario('mixslow.yaml', 'requests: [{ path: /hello }, { path: "/db?ms=12000" }]\ntimeout: 10\nduration: 20\nconcurrency: [1]\ndeployments: [node-async]\n')], /requests\[1\]\.path: "\/db\?ms=12000": each request takes 12 s, and timeout is 10 s: every one would time out/],
  ['a request longer than the window', ['run', 'blocking-vs-workers', '--path', '/io?ms=3500', '--duration', '2'], /--path: "\/io\?ms=3500": each request takes 3\.5 s, longer than the 2 s window \(--duration\)/],
  ['more rows than the demo table holds', ['run', 'blocking-vs-workers', '--path', '/db-rows?n=1001'], /--path: "\/db-rows\?n=1001": the demo app reads n from 0 to 1000 rows/],
  // The scenario's kind of file, named as what it is (stat, never open: a FIFO would block).
  ['a folder named like a scenario', ['run', 'a-folder.yaml'], /scenario file a-folder\.yaml is a directory, not a scenario file/],
  ['a FIFO given as the scenario', ['run', 'pipe.yaml'], /scenario file pipe\.yaml is a FIFO \(named pipe\), not a scenario file/],
  ['a Unix socket given as the scenario', ['run', 'listening.yaml'], /scenario file listening\.yaml is a socket, not a scenario file/],
  ['a link to /dev/null given as the scenario', ['run', 'null.yaml'], /scenario file null\.yaml is a character device, not a scenario file/],
  ['a link to nothing given as the scenario', ['run', 'dangling.yaml'], /scenario file dangling\.yaml does not exist/],
  ['a loop of links given as the scenario', ['run', 'ring-a.yaml'], /cannot read scenario file ring-a\.yaml: too many symbolic links in the path \(a loop of links\?\); name the file or folder itself$/],
  ['a megabyte of scenario', ['run', 'huge.yaml'], /scenario file huge\.yaml holds \d+ bytes; a scenario is a few kilobytes/],
  // "did you mean" for kinds in files, as on the command line.
  ['a capitalised kind in a scenario', ['run', edit('caps.yaml', 'kind: node-prefork', 'kind: Gunicorn-Sync')], /caps\.yaml:5:11: deployments\[0\]\.kind: unknown deployment kind "Gunicorn-Sync"; did you mean "gunicorn-sync"\?/],
  ['a capitalised kind with nginx in front', ['run', scenario('capsn.yaml', 'path: /hello\nduration: 1\nconcurrency: [1]\ndeployments: [UWSGI+Nginx]\n')], /deployments\[0\]: unknown deployment kind "UWSGI\+Nginx"; did you mean "uwsgi\+nginx"\?/],
  // env: differences are a comparison that needs labels, not a repeat.
  ['two deployments that differ only in env', ['run', edit('env2.yaml', '  - kind: node-prefork\n    workers: 2', `${gthread('--keep-alive 5')}\n${gthread('--keep-alive 0')}`)], /deployments: two deployments are both labelled "gunicorn-gthread ×2 \(4 threads\)" and differ in env \(GUNICORN_CMD_ARGS\); give each a label: of its own/],
  // An app that cannot be imported, in its own Python's words, before any server starts.
  ['a module that does not exist', ['run', '--app', 'storefront_xyz:application', ...APP], /--app: storefront_xyz:application cannot be imported .*: ModuleNotFoundError: No module named 'storefront_xyz'$/],
  ['a callable the module lacks', ['run', '--app', 'shop:app', ...APP], /--app: shop:app cannot be imported .*: AttributeError: module 'shop' has no attribute 'app'/],
  ['a module attribute that is not callable', ['run', '--app', 'shop:settings', ...APP], /--app: shop:settings cannot be imported .*: TypeError: shop:settings is a dict, not a WSGI callable/],
  ['a module that raises at import', ['run', '--app', 'needs_config', ...APP], /--app: needs_config:application cannot be imported .*: RuntimeError: set SHOP_CONFIG before importing shop/],
  ['a module with a syntax error', ['run', '--app', 'typo:application', ...APP], /--app: typo:application cannot be imported .*: SyntaxError: /],
  ['a scenario whose app cannot be imported', ['run', scenario('app.yaml', 'app: { wsgi: "inventory_q:application", dir: apps }\npath: /\nduration: 1\nconcurrency: [1]\ndeployments: [wsgiref]\n')], /app\.yaml: app\.wsgi: inventory_q:application cannot be imported .*ModuleNotFoundError/],
  // Plans too long to start unasked.
  ['a sweep of hours at no terminal', ['tune', 'wsgi-workers', '--duration', '900'], /not started: this run would last about \d+ h \d+ min, and there is no terminal to confirm it at; pass --yes to start it/],
  ['a plan of days at no terminal', ['run', 'blocking-vs-workers', '--duration', '2400', '--concurrency', '1,8,32'], /not started: this run would last about \d+ h \d+ min, and there is no terminal to confirm it at; pass --yes to start it/],
];

describe('bad input of the kinds issue 27 found, refused before anything starts', () => {
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} with exit 2 and one line, leaving nothing behind`, () => {
      const r = bench(args);
      expectRefused(r, message);
      // A control character is shown escaped, never written to the terminal as itself.
      expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    });
  }
  it('covers at least forty cases', () => expect(refusals.length).toBeGreaterThanOrEqual(40));
});

describe('limits checked before anything starts'
, () => {
  it('refuses more connections than ulimit -n allows, saying how many it needs and how to raise it', () => {
    // prlimit (util-linux) runs bench with a soft limit of 300 open files.
    const r = spawnSync('prlimit', ['--nofile=300', process.execPath, BIN, 'run', 'blocking-vs-workers', '--concurrency', '1,400'], { cwd: work, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--concurrency: 400 connections need 464 open files, but ulimit -n is 300; raise it \(ulimit -n 464\)/);
  });
});
