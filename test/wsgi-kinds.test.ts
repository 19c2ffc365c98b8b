import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { django } from '../harness/deployments/django-runserver.js';
import { waitressServer } from '../harness/deployments/waitress.js';
import type { ProcessGroup } from '../harness/process/group.js';
import { freePort } from '../harness/process/ports.js';
import type { ResultRow, RunResults } from '../harness/results/types.js';
import { DEBIAN_PYTHON, flask, gunicorn, nginx } from '../harness/software/catalog.js';
import { benchIn, workFolder } from './support/cli.js';
import { writeDjangoProject } from './support/django-project.js';
import { startExported, supervisord, until } from './support/exported.js';
import { describeWith } from './support/software.js';

const describeStack = await describeWith([flask, waitressServer, django, gunicorn, nginx, supervisord]);
const work = workFolder('wsgi-kinds');
const bench = benchIn(work);
const started: ProcessGroup[] = [];
afterAll(() => Promise.all(started.map((group) => group.stop(10_000))), 30_000);

/** Runs a scenario written into the scratch folder through the real CLI; returns its results. */
function runScenario(name: string, lines: string[]): RunResults {
  writeFileSync(join(work, `${name}.yaml`), lines.join('\n') + '\n');
  const r = bench('run', `${name}.yaml`, '--out', name);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(join(work, name, 'results.json'), 'utf8')) as RunResults;
}

/** Each row within 10% of Little's law, with no failed request. */
function expectModelHolds(rows: ResultRow[]): void {
  for (const row of rows) {
    const where = `${row.deployment} c=${row.concurrency}: ${row.throughputRps} req/s, predicted ${row.predictedThroughputRps} (${row.model.bound}, d = ${row.model.serviceMs} ms)`;
    expect(row.errors + row.non2xx, where).toBe(0);
    expect(row.throughputRatio, where).toBeGreaterThan(0.9);
    expect(row.throughputRatio, where).toBeLessThan(1.1);
  }
}

const at = (run: RunResults, label: string) => {
  const row = run.results.find((r) => r.deployment === label);
  expect(row, `${label} among ${run.results.map((r) => r.deployment).join(', ')}`).toBeDefined();
  return row!;
};

describeStack('waitress on the demo app', () => {
  it("serves T/d with T threads, alone and behind nginx, and records the adjustments it ran with", () => {
    const run = runScenario('waitress-demo', [
      'path: /io?ms=50',
      'duration: 2',
      'warmup: 0.3',
      'concurrency: [8]',
      'deployments:',
      '  - { kind: waitress, threads: 4 }',
      '  - { kind: waitress+nginx, threads: 2 }',
    ]);
    expect(run.failures).toEqual([]);
    expectModelHolds(run.results);
    expect(at(run, 'waitress (4 threads)').predictedThroughputRps).toBe(80);
    expect(at(run, 'waitress+nginx (2 threads)').predictedThroughputRps).toBe(40);
    expect(at(run, 'waitress (4 threads)').effectiveSettings).toMatchObject({ readBack: true, settings: { threads: 4, connection_limit: 100, channel_timeout: 120 } });
  });
});

describeStack('a Django project made with django-admin startproject', () => {
  const dir = join(work, 'project');
  let run: RunResults;

  beforeAll(() => {
    writeDjangoProject(dir);
    run = runScenario('django', [
      'app:',
      '  wsgi: mysite.wsgi:application',
      `  dir: ${JSON.stringify(dir)}`,
      `  python: ${DEBIAN_PYTHON}`,
      '  health: /slow?ms=0',
      'path: /slow?ms=50',
      'duration: 2',
      'warmup: 0.3',
      'concurrency: [8]',
      'deployments:',
      '  - { kind: waitress, threads: 4 }',
      '  - django-runserver',
      '  - { kind: django-runserver, threads: 1 }',
      '  - { kind: gunicorn-sync, workers: 2 }',
    ]);
  }, 120_000);

  it('is measured under waitress, runserver threaded and not, and gunicorn sync, each within 10% of its model', () => {
    expect(run.failures).toEqual([]);
    expectModelHolds(run.results);
    // 8 clients: waitress's 4 threads, a thread for each of the 8, --nothreading's one, 2 sync workers.
    expect(at(run, 'waitress (4 threads)').model.capacity).toBe(4);
    expect(at(run, 'django-runserver').model).toMatchObject({ capacity: null, bound: expect.stringMatching(/^a thread per connection: unbounded/) });
    expect(at(run, 'django-runserver (1 thread)').model.capacity).toBe(1);
    expect(at(run, 'gunicorn-sync ×2').model.capacity).toBe(2);
    expect(at(run, 'django-runserver').serverArgs).toEqual(expect.arrayContaining(['runserver', '--noreload', '--settings', 'mysite.settings']));
    expect(at(run, 'django-runserver (1 thread)').serverArgs).toContain('--nothreading');
  });

  it('exports the waitress deployment as a command the real waitress runs under supervisord, behind the exported nginx site', async () => {
    const exported = join(work, 'exported');
    const [listen, bind] = [await freePort(), await freePort()];
    const r = bench(
      'export', 'django', '--deployment', 'waitress (4 threads)', '--to', exported,
      '--listen', `127.0.0.1:${listen}`, '--bind', `127.0.0.1:${bind}`, '--config-dir', exported, '--log-dir', exported,
    );
    expect(r.code, r.stderr).toBe(0);
    const program = readFileSync(join(exported, 'supervisor-mysite.conf'), 'utf8');
    expect(program).toContain(`command=${DEBIAN_PYTHON} -m waitress --listen=127.0.0.1:${bind} --threads=4 mysite.wsgi:application`);
    expect(program).toContain(`directory=${dir}`);
    expect(readFileSync(join(exported, 'mysite.service'), 'utf8')).toContain(`WorkingDirectory=${dir}`);
    await startExported(work, exported, started);
    const answer = await until('the exported waitress to answer through nginx', 30_000, async () => {
      const response = await fetch(`http://127.0.0.1:${listen}/slow?ms=1`).catch(() => undefined);
      return response?.ok ? response : undefined;
    });
    expect(answer.headers.get('server')).toMatch(/nginx/);
    expect(await answer.text()).toBe('ok');
  }, 60_000);
});
