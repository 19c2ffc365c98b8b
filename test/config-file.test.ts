import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gunicornFlag, gunicornOptions } from '../harness/deployments/gunicorn-flags.js';
import { parsePrintConfig } from '../harness/deployments/effective-settings.js';
import { readUwsgiIni } from '../harness/deployments/config-file.js';
import { predictCapacity } from '../harness/model/predict.js';
import { buildPlan } from '../harness/plan/build-plan.js';
import { parseScenario } from '../harness/scenario/load.js';
import { gunicorn } from '../harness/software/catalog.js';
import type { EffectiveSettings } from '../harness/results/types.js';
import { benchIn, workFolder } from './support/cli.js';
import { row, run, writeRunFolder } from './support/results.js';
import { describeWith } from './support/software.js';

const work = workFolder('config-file');
const bench = benchIn(work);

/** A scenario file in its own folder beside the given files; returns the scenario's path. */
function scenarioWith(folder: string, deployment: string[], files: Record<string, string> = {}): string {
  const dir = join(work, folder);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, ['path: /io?ms=20', 'duration: 1', 'concurrency: [4]', 'deployments:', ...deployment.map((l) => `  ${l}`)].join('\n') + '\n');
  return file;
}

const plan = (file: string) => buildPlan(parseScenario(readFileSync(file, 'utf8'), file), {});

describe("gunicorn's flags and --print-config, read as gunicorn.conf.py names", () => {
  it('reads the printed settings as numbers, switches, lists, None and text', () => {
    const printed = [
      'access_log_format                 = %(h)s %(l)s "%(r)s"',
      "bind                              = ['127.0.0.1:8000', 'unix:/run/a b.sock']",
      'keepalive                         = 5',
      'preload_app                       = False',
      'pidfile                           = None',
      'worker_class                      = gthread',
      'dogstatsd_tags                    = ',
      'post_fork                         = <post_fork()>',
    ].join('\n');
    expect(parsePrintConfig(printed)).toEqual({
      access_log_format: '%(h)s %(l)s "%(r)s"',
      bind: ['127.0.0.1:8000', 'unix:/run/a b.sock'],
      keepalive: 5,
      preload_app: false,
      pidfile: null,
      worker_class: 'gthread',
      dogstatsd_tags: '',
      post_fork: '<post_fork()>',
    });
  });

  it('takes a long flag gunicorn abbreviates to one setting, and no flag gunicorn lacks', () => {
    expect(gunicornFlag('--keep')).toBe('--keep-alive');
    expect(gunicornFlag('--limit-request-field_size')).toBe('--limit-request-field_size');
    // --log-level, --log-file, --log-config, …: argparse refuses the ambiguous prefix too.
    expect(gunicornFlag('--log')).toBeUndefined();
    expect(gunicornFlag('--frobnicate')).toBeUndefined();
    expect(gunicornOptions(['--preload', 'app:app', '-w3', '--timeout=60']).options).toEqual([
      { flag: '--preload' },
      { flag: '-w', value: '3' },
      { flag: '--timeout', value: '60' },
    ]);
  });

  it("reads uwsgi.ini's [uwsgi] section with its repeated keys in order, and nothing of other sections", () => {
    const dir = join(work, 'ini');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'uwsgi.ini'), '[other]\nprocesses = 9\n[uwsgi]\n; a comment\nprocesses = 3\nlazy_apps = true\nenv = A=1\nenv = B=2\n');
    expect(readUwsgiIni(join(dir, 'uwsgi.ini'))).toEqual({ sets: { processes: '3', 'lazy-apps': 'true', env: ['A=1', 'B=2'] }, byNameOnly: [] });
  });
});

describe('config: in a scenario, before anything runs', () => {
  it('refuses config: on a kind that reads no config file, naming the field and the kind', () => {
    const file = scenarioWith('node-config', ['- kind: node-async', '  config: gunicorn.conf.py'], { 'gunicorn.conf.py': 'workers = 2\n' });
    expect(() => plan(file)).toThrow(/deployments\[0\]: config: node-async reads no config file bench can pass; gunicorn's kinds take a gunicorn\.conf\.py and uwsgi a uwsgi\.ini; remove config/);
    const r = bench('run', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config: node-async reads no config file/);
  });

  it('refuses a config file that is not there, naming it from the scenario folder', () => {
    const file = scenarioWith('missing-config', ['- kind: gunicorn-sync', '  config: conf/gunicorn.conf.py']);
    expect(() => plan(file)).toThrow(`deployments[0]: config: ${join(work, 'missing-config', 'conf', 'gunicorn.conf.py')} is not a file`);
  });

  it('refuses config: and args: -c together, which name two files', () => {
    const file = scenarioWith('twice', ['- kind: gunicorn-sync', '  config: a.py', '  args: [-c, b.py]']);
    expect(() => plan(file)).toThrow(/config: .*a\.py and args: -c .*b\.py both name a config file; keep one/);
  });

  it('reads uwsgi.ini for the pool size, and refuses one that sets the address bench listens on', () => {
    const sized = scenarioWith('uwsgi-sized', ['- kind: uwsgi', '  config: uwsgi.ini'], { 'uwsgi.ini': '[uwsgi]\nprocesses = 3\nthreads = 2\n' });
    const [d] = plan(sized).deployments;
    expect(d!.spec.config?.path).toBe(join(work, 'uwsgi-sized', 'uwsgi.ini'));
    expect([d!.spec.workers, d!.spec.threads, d!.label]).toEqual([3, 2, 'uwsgi ×3 (2 threads)']);
    const bound = scenarioWith('uwsgi-bound', ['- kind: uwsgi', '  config: uwsgi.ini'], { 'uwsgi.ini': '[uwsgi]\nhttp-socket = 0.0.0.0:8000\n' });
    expect(() => plan(bound)).toThrow(/uwsgi\.ini: it sets http-socket, and bench sets it \(the loopback address it measures\); remove it from the file/);
  });

  it("leaves uwsgi.ini's listen queue to the file, where bench's own --listen would override what ships", async () => {
    const ctx = { host: '127.0.0.1', port: 8000, tmpDir: work, behindNginx: false };
    const argsOf = async (ini: string) => {
      const [d] = plan(scenarioWith(`uwsgi-listen-${ini.length}`, ['- kind: uwsgi', '  config: uwsgi.ini'], { 'uwsgi.ini': ini })).deployments;
      return (await d!.kind.plan(d!.spec, ctx)).args;
    };
    expect(await argsOf('[uwsgi]\nprocesses = 2\nlisten = 64\n')).not.toContain('--listen');
    expect(await argsOf('[uwsgi]\nprocesses = 2\n')).toContain('--listen');
  });
});

const withGunicorn = await describeWith([gunicorn]);

withGunicorn('config: read by gunicorn before anything runs', () => {
  it('reads args: [-c, FILE] from the scenario folder, and predicts the workers the file sets', () => {
    const file = scenarioWith('args-c', ['- kind: gunicorn-sync', '  args: [-c, gunicorn.conf.py, --keep-alive, "5"]'], {
      'gunicorn.conf.py': 'workers = 3\ntimeout = 60\n',
    });
    const [d] = plan(file).deployments;
    expect(d!.spec.config).toMatchObject({ path: join(work, 'args-c', 'gunicorn.conf.py'), from: 'args:', sets: { workers: 3, timeout: 60 } });
    // The kind passes the file itself, as an absolute -c; the rest of args: stays.
    expect(d!.spec.args).toEqual(['--keep-alive', '5']);
    expect(d!.label).toBe('gunicorn-sync ×3');
    expect(predictCapacity(d!.kind, d!.spec, '/io?ms=20', 2)).toMatchObject({ capacity: 3, bound: '3 workers' });
  });

  it("takes the threads of a gthread deployment's file, and refuses workers: that contradict it", () => {
    const files = { 'gunicorn.conf.py': 'workers = 2\nthreads = 3\n' };
    const [d] = plan(scenarioWith('gthread', ['- kind: gunicorn-gthread', '  config: gunicorn.conf.py'], files)).deployments;
    expect(predictCapacity(d!.kind, d!.spec, '/io?ms=20', 2)).toMatchObject({ capacity: 6, bound: '2 workers × 3 threads' });
    const contradicted = scenarioWith('contradicted', ['- kind: gunicorn-gthread', '  config: gunicorn.conf.py', '  workers: 4'], files);
    expect(() => plan(contradicted)).toThrow(/deployments\[0\]: workers: 4, and .*gunicorn\.conf\.py \(named by config:\) sets workers = 2: .*remove workers: to measure the file's 2, or change the file/);
  });

  it("refuses a file whose worker class is not the kind's, or whose threads would make sync workers gthread ones", () => {
    const classed = scenarioWith('classed', ['- kind: gunicorn-sync', '  config: gunicorn.conf.py'], { 'gunicorn.conf.py': 'worker_class = "gthread"\n' });
    expect(() => plan(classed)).toThrow(/gunicorn\.conf\.py: it sets worker_class = gthread, and gunicorn-sync runs sync workers/);
    const threaded = scenarioWith('threaded', ['- kind: gunicorn-sync', '  config: gunicorn.conf.py'], { 'gunicorn.conf.py': 'threads = 4\n' });
    expect(() => plan(threaded)).toThrow(/it sets threads = 4, which turns gunicorn's sync workers into gthread ones; use kind gunicorn-gthread/);
  });

  it('uses the gunicorn.conf.py of the app folder when none is named, as gunicorn would', () => {
    const file = scenarioWith('app-folder', ['- kind: gunicorn-sync'], { 'hello.py': 'def app(environ, start):\n    start("200 OK", [])\n    return [b"hi"]\n', 'gunicorn.conf.py': 'workers = 2\n' });
    writeFileSync(file, `app: { wsgi: "hello:app" }\n${readFileSync(file, 'utf8')}`);
    const [d] = plan(file).deployments;
    expect(d!.spec.config).toMatchObject({ path: join(work, 'app-folder', 'gunicorn.conf.py'), from: 'the app folder' });
    expect(d!.label).toBe('gunicorn-sync ×2');
  });

  it('finds the file of args: [-c, FILE] in the app folder, where gunicorn looks, when the scenario folder has none', () => {
    const file = scenarioWith('app-args', ['- kind: gunicorn-sync', '  args: [-c, gunicorn.conf.py]'], { 'hello.py': 'def app(environ, start):\n    start("200 OK", [])\n    return [b"hi"]\n' });
    mkdirSync(join(work, 'app-args', 'app'));
    writeFileSync(join(work, 'app-args', 'app', 'hello.py'), readFileSync(join(work, 'app-args', 'hello.py')));
    writeFileSync(join(work, 'app-args', 'app', 'gunicorn.conf.py'), 'workers = 5\n');
    writeFileSync(file, `app: { wsgi: "hello:app", dir: app }\n${readFileSync(file, 'utf8')}`);
    const [d] = plan(file).deployments;
    expect(d!.spec.config).toMatchObject({ path: join(work, 'app-args', 'app', 'gunicorn.conf.py'), from: 'args:', sets: { workers: 5 } });
  });

  it("names the file gunicorn cannot read, with gunicorn's own words", () => {
    const file = scenarioWith('broken', ['- kind: gunicorn-sync', '  config: gunicorn.conf.py'], { 'gunicorn.conf.py': 'workers = "many"\n' });
    expect(() => plan(file)).toThrow(/gunicorn\.conf\.py: gunicorn cannot read it: .*many/);
  });
});

describe('bench export of recorded settings', () => {
  const effective: EffectiveSettings = {
    source: 'gunicorn --print-config',
    readBack: true,
    configFile: { path: '/srv/shop/gunicorn.conf.py', from: 'args:' },
    settings: { workers: 3, threads: 1, worker_class: 'sync', timeout: 60, keepalive: 5, preload_app: false, bind: ['127.0.0.1:4000'], raw_env: ['A=1'] },
    code: ['post_fork'],
  };
  const serverArgs = ['/usr/bin/python3', '-u', '-m', 'gunicorn', '-c', '/srv/shop/gunicorn.conf.py', '--chdir', '/srv/shop', '--bind', '127.0.0.1:4000', '--workers', '3', '--worker-class', 'sync', 'app:app'];
  const measured = (folder: string, args: string[], settings?: EffectiveSettings) =>
    writeRunFolder(work, folder, run([row({ deployment: 'gunicorn-sync ×3', server: 'gunicorn-sync', workers: 3, concurrency: 4, throughputRps: 100, serverArgs: args, ...(settings && { effectiveSettings: settings }) })]));

  it('writes the effective settings as Python, and says which hooks of the file it could not copy', () => {
    const r = bench('export', measured('effective', serverArgs, effective), '--to', 'effective-export');
    expect(r.code, r.stderr).toBe(0);
    const conf = readFileSync(join(work, 'effective-export', 'gunicorn.conf.py'), 'utf8');
    for (const line of ['workers = 3', 'threads = 1', 'worker_class = "sync"', 'timeout = 60', 'keepalive = 5', 'preload_app = False', 'raw_env = ["A=1"]']) {
      expect(conf).toMatch(new RegExp(`^${line.replace(/[[\]()]/g, '\\$&')}  # `, 'm'));
    }
    expect(conf).not.toMatch(/^(c|config|print_config) =/m);
    expect(conf).toMatch(/^bind = "127\.0\.0\.1:8000"  # not measured/m);
    expect(conf).toMatch(/^# NOT WRITTEN: post_fork, which \/srv\/shop\/gunicorn\.conf\.py sets to code/m);
    // nginx waits as long as the measured worker timeout, the file's 60 s.
    expect(readFileSync(join(work, 'effective-export', 'nginx-site.conf'), 'utf8')).toMatch(/proxy_read_timeout 60s;/);
  });

  it('refuses a flag gunicorn.conf.py has no name for, with exit 2, naming it', () => {
    const r = bench('export', measured('unknown-flag', [...serverArgs.slice(0, -1), '--frobnicate', '7', 'app:app'], effective), '--to', 'unknown-export');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--frobnicate 7: bench export knows gunicorn 20\.1's flags, and --frobnicate is not one/);
  });

  it('refuses a row measured with a config file whose settings it does not record', () => {
    const r = bench('export', measured('legacy', serverArgs), '--to', 'legacy-export');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ran with a config file \(-c \/srv\/shop\/gunicorn\.conf\.py\) whose settings this row does not record \(an older bench\); run it again/);
  });
});
