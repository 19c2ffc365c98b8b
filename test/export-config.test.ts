import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parsePrintConfig } from '../harness/deployments/effective-settings.js';
import type { ProcessGroup } from '../harness/process/group.js';
import { freePort } from '../harness/process/ports.js';
import type { ResultRow, RunResults } from '../harness/results/types.js';
import { flask, gunicorn, nginx } from '../harness/software/catalog.js';
import { benchIn, workFolder } from './support/cli.js';
import { answeringWorker, livingChildren, startExported, supervisord, until } from './support/exported.js';
import { describeWith } from './support/software.js';

const describeStack = await describeWith([flask, gunicorn, nginx, supervisord]);
const work = workFolder('export-config');
const bench = benchIn(work);
const started: ProcessGroup[] = [];
afterAll(() => Promise.all(started.map((group) => group.stop(10_000))), 30_000);

/** The settings bench's model and the issue name: what an export must carry over unchanged. */
const COMPARED = ['timeout', 'keepalive', 'workers', 'threads', 'worker_class'] as const;

/** gunicorn's own reading of a config file: --print-config, run by the interpreter the row ran on. */
function printConfig(python: string, config: string, cwd: string): Promise<Record<string, unknown>> {
  return new Promise((done, fail) =>
    execFile(python, ['-m', 'gunicorn', '-c', config, '--print-config'], { cwd }, (err, stdout, stderr) => (err ? fail(new Error(stderr)) : done(parsePrintConfig(stdout)))),
  );
}

function runScenario(folder: string, scenario: string[], files: Record<string, string>): { row: ResultRow; stderr: string } {
  const dir = join(work, folder);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, 'scenario.yaml'), scenario.join('\n') + '\n');
  // Run from elsewhere: the config file is the scenario's, not the current folder's.
  const r = bench('run', join(dir, 'scenario.yaml'), '--out', join(dir, 'run'));
  expect(r.code, r.stderr).toBe(0);
  const run = JSON.parse(readFileSync(join(dir, 'run', 'results.json'), 'utf8')) as RunResults;
  return { row: run.results[0]!, stderr: r.stderr };
}

describeStack('a deployment with args: [-c, gunicorn.conf.py], measured, exported and deployed', () => {
  const dir = join(work, 'args-c');
  const exported = join(dir, 'export');
  let row: ResultRow;
  let stderr: string;
  let url: string;
  let supervisor: ProcessGroup;

  beforeAll(async () => {
    ({ row, stderr } = runScenario(
      'args-c',
      [
        'path: /io?ms=20',
        'duration: 1.5',
        'warmup: 0.5',
        'concurrency: [6]',
        'deployments:',
        '  - kind: gunicorn-gthread',
        '    args: [-c, gunicorn.conf.py, --max-requests, "1000"]',
      ],
      { 'gunicorn.conf.py': 'workers = 2\nthreads = 3\ntimeout = 60\nkeepalive = 5\nworker_class = "gthread"\n' },
    ));
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const [listen, bind] = [await freePort(), await freePort()];
    const r = bench(
      'export', join(dir, 'run'), '--to', exported,
      '--listen', `127.0.0.1:${listen}`, '--bind', `127.0.0.1:${bind}`, '--config-dir', exported, '--log-dir', join(dir, 'logs'),
    );
    expect(r.code, r.stderr).toBe(0);
    ({ supervisor } = await startExported(dir, exported, started));
    url = `http://127.0.0.1:${listen}`;
    await answeringWorker(`${url}/health`, 30_000);
  }, 120_000);

  it('says which file gunicorn read, and records the settings gunicorn printed for the command line it ran', () => {
    expect(stderr).toContain(`gunicorn-gthread ×2 (3 threads): reads ${join(dir, 'gunicorn.conf.py')} (named in args:): workers = 2, threads = 3, timeout = 60, keepalive = 5, worker_class = gthread`);
    expect(row.effectiveSettings).toMatchObject({
      source: 'gunicorn --print-config',
      readBack: true,
      configFile: { path: join(dir, 'gunicorn.conf.py'), from: 'args:' },
      settings: { timeout: 60, keepalive: 5, workers: 2, threads: 3, worker_class: 'gthread', max_requests: 1000 },
    });
    expect(row.serverArgs).toContain(join(dir, 'gunicorn.conf.py'));
  });

  it("predicts the file's 2 workers × 3 threads, and measures near it or names the skew that held it back", () => {
    expect(row.model.capacity).toBe(6);
    expect(row.predictedThroughputRps).toBe(300);
    const figures = `${row.throughputRps} req/s against Little's ${row.predictedThroughputRps}`;
    expect(row.throughputRatio!, figures).toBeLessThan(1.1);
    if (row.throughputRatio! >= 0.75) return;
    // keepalive = 5 keeps each connection with the gthread worker that accepted it, and gunicorn
    // may hand most of the 6 to one worker: the row must say so, with a cap that its figure meets.
    const skew = row.modelGap?.reasons.find((reason) => reason.kind === 'uneven-spread');
    expect(skew, `${figures}, and no uneven spread named: ${JSON.stringify(row.modelGap)}`).toBeDefined();
    const cap = skew!.kind === 'uneven-spread' ? skew!.evidence.spreadCapRps : undefined;
    expect(row.throughputRps / cap!, `${figures}, the shares cap it at ${cap}`).toBeGreaterThan(0.75);
  });

  it("exports a gunicorn.conf.py that gunicorn reads back with the row's timeout, keepalive, workers, threads and worker class", async () => {
    const conf = readFileSync(join(exported, 'gunicorn.conf.py'), 'utf8');
    expect(conf).not.toMatch(/^c = /m);
    const printed = await printConfig(row.serverArgs![0]!, join(exported, 'gunicorn.conf.py'), work);
    for (const setting of COMPARED) expect(printed[setting], setting).toEqual(row.effectiveSettings!.settings[setting]);
    expect(printed.max_requests).toBe(1000);
  });

  it('runs under supervisord with the 2 workers the file set, and answers through nginx', async () => {
    const arbiter = await until('the exported arbiter and its workers', 20_000, () => {
      const [pid] = livingChildren(supervisor.pid);
      return pid !== undefined && livingChildren(pid).length >= 2 ? pid : undefined;
    });
    // A moment more: a third worker, were gunicorn running other settings than the file's, would be up by now.
    await new Promise((done) => setTimeout(done, 1000));
    expect(livingChildren(arbiter)).toHaveLength(2);
    const res = await fetch(`${url}/io?ms=5`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ endpoint: 'io', ms: 5 });
  });
});

describeStack("the app folder's gunicorn.conf.py, which gunicorn reads unasked", () => {
  it('is used as gunicorn would use it, and the run and the row say so', () => {
    const { row, stderr } = runScenario(
      'app-folder',
      ['app: { wsgi: "hello:app", dir: app }', 'path: /', 'duration: 0.5', 'warmup: 0.2', 'concurrency: [2]', 'deployments:', '  - gunicorn-sync'],
      {
        'app/hello.py': 'def app(environ, start_response):\n    start_response("200 OK", [("Content-Type", "text/plain")])\n    return [b"hello"]\n',
        'app/gunicorn.conf.py': 'workers = 2\ntimeout = 45\n',
      },
    );
    const file = join(work, 'app-folder', 'app', 'gunicorn.conf.py');
    expect(stderr).toContain(`gunicorn-sync ×2: reads ${file} (found in the app folder, which gunicorn reads when no -c is given): workers = 2, timeout = 45`);
    expect(row.workers).toBe(2);
    expect(row.effectiveSettings).toMatchObject({ configFile: { path: file, from: 'the app folder' }, settings: { workers: 2, timeout: 45, worker_class: 'sync' } });
  });
});
