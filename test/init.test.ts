import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResults } from '../harness/results/types.js';
import { loadScenario } from '../harness/scenario/load.js';
import { benchIn, workFolder } from './support/cli.js';
import { describeWith, python3 } from './support/software.js';

const work = workFolder('init');
const bench = benchIn(work);
const inWork = (file: string) => join(work, file);

describe('bench init', () => {
  it('writes a commented starter scenario for the demo app that bench run measures as it stands', () => {
    const r = bench('init');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('bench run bench-scenario.yaml --quick');
    const text = readFileSync(inWork('bench-scenario.yaml'), 'utf8');
    expect(text.split('\n').filter((line) => line.startsWith('#')).length).toBeGreaterThan(8);
    // The demo's starter is blocking-vs-workers' deployments and load, with no app: block.
    const starter = loadScenario(inWork('bench-scenario.yaml'));
    const builtIn = loadScenario('blocking-vs-workers');
    expect(starter.app).toBeUndefined();
    expect(starter.deployments).toEqual(builtIn.deployments);
    expect(starter.concurrency).toEqual(builtIn.concurrency);

    const run = bench('run', 'bench-scenario.yaml', '--deployments', 'node-async', '--concurrency', '2', '--duration', '0.4', '--warmup', '0.1', '--out', 'starter-run');
    expect(run.code, run.stderr).toBe(0);
    const results = JSON.parse(readFileSync(inWork('starter-run/results.json'), 'utf8')) as RunResults;
    expect(results.scenario).toBe('bench-scenario');
    expect(results.results.map((row) => row.deployment)).toEqual(['node-async']);
    expect(results.results[0]!.errors).toBe(0);
  });

  it('refuses to overwrite an existing file unless --force, and names the file', () => {
    writeFileSync(inWork('mine.yaml'), 'my own notes\n');
    const refused = bench('init', 'mine.yaml');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/mine\.yaml already exists; .*--force/);
    expect(readFileSync(inWork('mine.yaml'), 'utf8')).toBe('my own notes\n');

    const forced = bench('init', 'mine.yaml', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(loadScenario(inWork('mine.yaml')).deployments.length).toBeGreaterThan(0);
  });

  it("writes an app: block for the user's Node program", () => {
    writeFileSync(inWork('server.mjs'), '// listens on $HOST:$PORT\n');
    const r = bench('init', 'node-app.yaml', '--app', 'server.mjs');
    expect(r.code, r.stderr).toBe(0);
    const starter = loadScenario(inWork('node-app.yaml'));
    expect(starter.app).toEqual({ node: 'server.mjs', health: '/' });
    expect(starter.deployments).toContain('node-cluster');
  });

  it('says what is wrong with --app or the file name, and writes nothing', () => {
    const badApp = bench('init', 'bad.yaml', '--app', 'site_app.py');
    expect(badApp.code).toBe(2);
    expect(badApp.stderr).toMatch(/--app: "site_app\.py" is a file name; name the module without \.py/);
    const badName = bench('init', 'scenario.txt');
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/scenario\.txt: name the scenario file NAME\.yaml/);
    expect(() => readFileSync(inWork('bad.yaml'))).toThrow();
  });
});

// The app: block names the interpreter bench finds for a WSGI app.
(await describeWith([python3]))('bench init for a WSGI app', () => {
  it("writes an app: block for the user's WSGI app, its folder relative to the scenario file", () => {
    mkdirSync(inWork('project'), { recursive: true });
    writeFileSync(inWork('project/site_app.py'), 'def application(environ, start_response):\n    start_response("200 OK", [])\n    return [b"ok"]\n');
    const r = bench('init', 'site.yaml', '--app', 'site_app:application', '--app-dir', 'project', '--health', '/healthz');
    expect(r.code, r.stderr).toBe(0);
    const starter = loadScenario(inWork('site.yaml'));
    expect(starter.app).toEqual({ wsgi: 'site_app:application', dir: 'project', python: expect.stringMatching(/python3?$/), health: '/healthz' });
    // The deployments are bench run --app's first look: kinds that host a WSGI app.
    expect(starter.deployments).toContain('gunicorn-sync');
    expect(starter.deployments).not.toContain('node-async');
  });
});
