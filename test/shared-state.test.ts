import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countSequences, parseCountBody, type CountSample } from '../harness/shared-state/count-sequences.js';
import { CountRecorder, MAX_COUNT_SAMPLES } from '../harness/shared-state/count-recorder.js';
import { ResponseParser } from '../harness/load/builtin/http.js';
import { measurePoint } from '../harness/load/measure.js';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { UsageError } from '../harness/cli/errors.js';
import { expandDeployment } from '../harness/plan/build-plan.js';
import { sleep } from '../harness/process/group.js';
import { ResourceSampler, type ResourceUse } from '../harness/process/sampler.js';
import { fcgiwrap, findExecutable, flask, gunicorn, nginx, starlette, uvicorn, uwsgi } from '../harness/software/catalog.js';
import { benchIn, workFolder } from './support/cli.js';
import { measure, withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

const describeStack = await describeWith([flask, gunicorn, uwsgi, uvicorn, starlette, nginx, fcgiwrap]);

interface Answer {
  count: number;
  pid: number;
}

/** `total` GETs of /count from `clients` clients, each sending its next when its last answer came; answers in arrival order. */
async function countAnswers(d: RunningDeployment, total: number, clients: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  let sent = 0;
  const client = async () => {
    while (sent < total) {
      sent++;
      const response = await fetch(d.baseUrl + '/count');
      const text = await response.text();
      expect(response.status, text).toBe(200);
      const answer = parseCountBody(text);
      expect(answer, text).toBeDefined();
      // The same bytes shape from every app: {"count":N,"pid":P} and a newline.
      expect(text).toBe(`{"count":${answer!.count},"pid":${answer!.pid}}\n`);
      expect(response.headers.get('x-worker-pid')).toBe(String(answer!.pid));
      answers.push(answer!);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return answers;
}

/** Each process's counts, sorted: a fresh deployment's must be exactly 1..n, none lost, none twice. */
function perProcess(answers: Answer[]): Map<number, number[]> {
  const counts = new Map<number, number[]>();
  for (const { count, pid } of answers) counts.set(pid, [...(counts.get(pid) ?? []), count]);
  for (const list of counts.values()) list.sort((a, b) => a - b);
  return counts;
}

const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function expectOneSequencePerProcess(answers: Answer[], processes: number): void {
  const counts = perProcess(answers);
  expect(counts.size, `pids seen: ${[...counts.keys()].join(', ')}`).toBe(processes);
  for (const [pid, list] of counts) expect(list, `pid ${pid}`).toEqual(oneToN(list.length));
}

describeStack('/count: memory workers do not share', () => {
  it.each(['node-async', 'node-blocking', 'flask-dev', 'uvicorn'])('a single process (%s) counts every request in one sequence', async (kind) => {
    await withDeployment({ kind }, async (d) => {
      const answers = await countAnswers(d, 60, 4);
      expectOneSequencePerProcess(answers, 1);
      expect(answers.map((a) => a.count).sort((a, b) => a - b)).toEqual(oneToN(60));
    });
  });

  it.each([
    ['node-prefork', 3],
    ['gunicorn-sync', 3],
    ['gunicorn-sync', 5],
    ['uwsgi', 3],
  ] as const)('a pool (%s ×%i) answers from one separate sequence per worker', async (kind, workers) => {
    await withDeployment({ kind, workers }, async (d) => {
      const answers = await countAnswers(d, 400, 2 * workers);
      expectOneSequencePerProcess(answers, workers);
    });
  });

  it('gthread workers count exactly under threads: a lock keeps each sequence whole', async () => {
    await withDeployment({ kind: 'gunicorn-gthread', workers: 2, threads: 4, args: ['--keep-alive', '0'] }, async (d) => {
      expectOneSequencePerProcess(await countAnswers(d, 400, 8), 2);
    });
  });

  it('CGI starts a process per request, so every count is 1 with a new pid', async () => {
    await withDeployment({ kind: 'cgi', workers: 2 }, async (d) => {
      const answers = await countAnswers(d, 4, 2);
      expect(answers.map((a) => a.count)).toEqual([1, 1, 1, 1]);
      expect(new Set(answers.map((a) => a.pid)).size).toBe(4);
    });
  });
});

/** Summed memory of a deployment's process tree, as bench samples it, after every worker has served /count. */
async function memoryAfterCounting(spec: Partial<DeploymentSpec> & { kind: string }): Promise<ResourceUse> {
  return withDeployment(spec, async (d) => {
    await measure(d, '/count', 2 * (spec.workers ?? 1), 1);
    const sampler = new ResourceSampler(() => d.processes.map((p) => p.pid));
    // A little more than one PSS interval, so that PSS is read at least twice.
    await sleep(1200);
    return sampler.stop();
  });
}

describeStack('preload: the app imported once in the master, its pages shared copy-on-write', () => {
  it.each(['gunicorn-sync', 'uwsgi'])('%s ×8 costs less PSS with preload, while summed RSS hardly moves', async (kind) => {
    const lazy = await memoryAfterCounting({ kind, workers: 8 });
    const preloaded = await memoryAfterCounting({ kind, workers: 8, preload: true });
    const figures = `PSS ${lazy.peakPssMb} → ${preloaded.peakPssMb} MB with preload, RSS ${lazy.peakRssMb} → ${preloaded.peakRssMb} MB`;
    // Measured here: gunicorn 154 → 79 MB PSS, uWSGI 165 → 66, while RSS stays within 10%.
    expect(lazy.processes, figures).toBe(9);
    expect(preloaded.processes, figures).toBe(9);
    expect(preloaded.peakPssMb!, figures).toBeLessThan(0.75 * lazy.peakPssMb!);
    // RSS counts a shared page in full in every process that maps it, so sharing cannot lower it.
    expect(preloaded.peakRssMb / lazy.peakRssMb, figures).toBeGreaterThan(0.8);
  });
});

describe('preload: in a scenario', () => {
  const expand = (entry: Parameters<typeof expandDeployment>[0]) => expandDeployment(entry, 'deployments[0]', {}, undefined);

  it('starts gunicorn with --preload, and uWSGI without --lazy-apps, and says so in the label', () => {
    expect(expand({ kind: 'gunicorn-sync', workers: 8, preload: true })[0]).toMatchObject({ label: 'gunicorn-sync ×8 (preload)', spec: { preload: true } });
    expect(expand({ kind: 'uwsgi', workers: 4, preload: false })[0]!.label).toBe('uwsgi ×4');
  });

  it('is refused, naming the field, for a kind without a master that imports the app', () => {
    expect(() => expand({ kind: 'node-prefork', preload: true })).toThrow(UsageError);
    expect(() => expand({ kind: 'node-prefork', preload: true })).toThrow(/deployments\[0\]: preload: node-prefork .*gunicorn-sync.*uwsgi/);
  });

  it("is bench's to set: --preload and --lazy-apps in args are refused", () => {
    expect(() => expand({ kind: 'gunicorn-sync', args: ['--preload'] })).toThrow(/args: "--preload": bench sets it \(preload:\)/);
    expect(() => expand({ kind: 'uwsgi', args: ['--lazy-apps'] })).toThrow(/args: "--lazy-apps": bench sets it \(preload:\)/);
  });
});

/** The load engine's /count answers over a short closed-loop window of `clients`. */
async function engineCounts(d: RunningDeployment, clients: number): Promise<CountSample[]> {
  const m = await measurePoint({ url: d.baseUrl + '/count', concurrency: clients, warmupS: 0.3, durationS: 1.5, timeoutS: 30, countAnswers: true });
  expect(m.errors).toBe(0);
  expect(m.counts, 'the engine kept /count answers').toBeDefined();
  return m.counts!;
}

describeStack('the counts clients see under load, as the load engine keeps them', () => {
  it.each([
    ['node-prefork', 4],
    ['gunicorn-sync', 4],
    ['gunicorn-sync', 8],
  ] as const)('a pool (%s ×%i) answers from exactly W sequences, each rising', async (kind, workers) => {
    await withDeployment({ kind, workers }, async (d) => {
      const counts = await engineCounts(d, 2 * workers);
      expect(countSequences(counts)).toEqual({ sequences: workers, rising: true });
      // Separate memory: the same count is answered by several workers.
      const owners = new Map<number, Set<number>>();
      for (const { count, pid } of counts) owners.set(count, (owners.get(count) ?? new Set()).add(pid));
      expect([...owners.values()].some((pids) => pids.size > 1)).toBe(true);
    });
  });

  it.each(['node-async', 'flask-dev'])('a single process (%s) answers from one sequence, no count twice', async (kind) => {
    await withDeployment({ kind }, async (d) => {
      const counts = await engineCounts(d, 8);
      expect(countSequences(counts)).toEqual({ sequences: 1, rising: true });
      expect(new Set(counts.map((c) => c.count)).size).toBe(counts.length);
    });
  });
});

describe('what the counts say', () => {
  const at = (atS: number, count: number, pid = 1): CountSample => ({ atS, count, pid });

  it('calls a sequence rising despite answers read out of order within one turn of the client, but not a count seen twice or one that falls back', () => {
    expect(countSequences([at(0, 1), at(0.001, 3), at(0.002, 2), at(0.5, 4, 2), at(0.6, 5)])).toEqual({ sequences: 2, rising: true });
    expect(countSequences([at(0, 1), at(0.5, 1)]).rising).toBe(false);
    expect(countSequences([at(0, 7), at(0.5, 3)]).rising).toBe(false);
  });

  it('reads a body only when asked, whether it comes in pieces or runs to the end of the stream', () => {
    const parser = new ResponseParser();
    parser.reset(true);
    expect(parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 21\r\n\r\n{"count":3,'))).toBe(false);
    expect(parser.feed(Buffer.from('"pid":42}\n'))).toBe(true);
    expect(parseCountBody(parser.bodyText()!)).toEqual({ count: 3, pid: 42 });
    parser.reset(true);
    parser.feed(Buffer.from('HTTP/1.0 200 OK\r\n\r\n{"count":4,"pid":42}'));
    expect(parser.endOfStream()).toBe(true);
    expect(parseCountBody(parser.bodyText()!)).toEqual({ count: 4, pid: 42 });
    parser.reset();
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'));
    expect(parser.bodyText()).toBeUndefined();
  });

  it('keeps at most MAX_COUNT_SAMPLES answers, spread over the whole window', () => {
    const recorder = new CountRecorder();
    const answers = 10 * MAX_COUNT_SAMPLES;
    for (let i = 1; i <= answers; i++) recorder.record(i / answers, JSON.stringify({ count: i, pid: 9 }));
    recorder.record(1, 'not a count');
    const kept = recorder.samples()!;
    expect(kept.length).toBeLessThanOrEqual(MAX_COUNT_SAMPLES);
    expect(kept.length).toBeGreaterThan(MAX_COUNT_SAMPLES / 2);
    expect(kept[0]!.count).toBe(1);
    expect(kept.at(-1)!.atS).toBeGreaterThan(0.9);
    expect(countSequences(kept)).toEqual({ sequences: 1, rising: true });
  });
});

describe('bench run on /count', () => {
  const dir = workFolder('shared-state');
  const bench = benchIn(dir);

  it('keeps the answers in results.json and draws count.png, which bench report draws again from the file', () => {
    writeFileSync(
      join(dir, 'counts.yaml'),
      'path: /count\nduration: 0.8\nwarmup: 0.2\nconcurrency: [4]\ndeployments:\n  - node-async\n  - { kind: node-prefork, workers: 2 }\n',
    );
    const run = bench('run', 'counts.yaml', '--out', 'out');
    expect(run.code, run.stderr).toBe(0);
    // The summary table says how many sequences each point saw.
    expect(run.stdout).toMatch(/^deployment .* sequences /m);
    const rows = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')).results as { deployment: string; counts?: { sequences: number; rising: boolean; samples: unknown[] } }[];
    expect(rows.map((r) => [r.deployment, r.counts?.sequences, r.counts?.rising])).toEqual([
      ['node-async', 1, true],
      ['node-prefork ×2', 2, true],
    ]);
    expect(rows[0]!.counts!.samples.length).toBeGreaterThan(10);
    const csv = readFileSync(join(dir, 'out', 'results.csv'), 'utf8').trimEnd().split('\r\n').map((line) => line.split(','));
    const column = csv[0]!.indexOf('countSequences');
    expect(csv.slice(1).map((line) => line[column])).toEqual(['1', '2']);
    expect(existsSync(join(dir, 'out', 'count.png'))).toBe(true);
    rmSync(join(dir, 'out', 'count.png'));
    const report = bench('report', 'out');
    expect(report.code, report.stderr).toBe(0);
    expect(existsSync(join(dir, 'out', 'count.png'))).toBe(true);
  });

  it('keeps no answers for any other path', () => {
    writeFileSync(join(dir, 'hello.yaml'), 'path: /hello\nduration: 0.5\nwarmup: 0.1\nconcurrency: [2]\ndeployments: [node-async]\n');
    const run = bench('run', 'hello.yaml', '--out', 'hello');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'hello', 'results.json'), 'utf8')).results[0].counts).toBeUndefined();
    expect(existsSync(join(dir, 'hello', 'count.png'))).toBe(false);
  });
});

describe.skipIf(!findExecutable('wrk'))('bench run on /count with wrk', () => {
  const dir = workFolder('shared-state-wrk');
  const bench = benchIn(dir);

  it('says why there is no count chart: wrk reads no response bodies', () => {
    writeFileSync(join(dir, 'counts.yaml'), 'path: /count\nduration: 0.5\nwarmup: 0.1\nconcurrency: [2]\ndeployments: [node-async]\n');
    const run = bench('run', 'counts.yaml', '--generator', 'wrk', '--out', 'out');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toContain('/count answers were not kept (generator wrk reads no response bodies)');
    expect(existsSync(join(dir, 'out', 'count.png'))).toBe(false);
  });
});
