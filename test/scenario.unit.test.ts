import { describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import { buildPlan } from '../harness/plan/build-plan.js';
import { builtInScenarios, loadScenario, parseScenario, resolveScenario } from '../harness/scenario/load.js';

const valid = `
path: /io?ms=50
duration: 2
concurrency: [1, 4]
deployments:
  - node-blocking
  - kind: node-prefork
    workers: 3
`;

function errorOf(text: string): string {
  try {
    parseScenario(text, 'my.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario files', () => {
  it('accepts a valid scenario and fills in defaults', () => {
    const s = parseScenario(valid, '/x/my.yaml');
    expect(s.name).toBe('my');
    expect(s.warmup).toBe(1);
    expect(s.xAxis).toBe('concurrency');
    expect(s.deployments).toHaveLength(2);
  });

  it('accepts JSON as well as YAML', () => {
    const s = parseScenario(
      JSON.stringify({ path: '/hello', duration: 1, concurrency: [2], deployments: ['node-async'] }),
      'my.json',
    );
    expect(s.path).toBe('/hello');
  });

  it('names an unknown key with its line and column', () => {
    expect(errorOf(valid + 'colour: blue\n')).toMatch(/^my\.yaml:9:1: unknown key "colour"/);
  });

  it('names an unknown key inside a deployment', () => {
    const message = errorOf(valid.replace('workers: 3', 'workers: 3\n    wrokers: 2'));
    expect(message).toMatch(/my\.yaml:9:5: unknown key "wrokers"/);
  });

  it('names a key of the wrong type and where it is', () => {
    expect(errorOf(valid.replace('duration: 2', 'duration: soon'))).toMatch(/^my\.yaml:3:11: duration: .*number/);
  });

  it('rejects a non-positive duration', () => {
    expect(errorOf(valid.replace('duration: 2', 'duration: 0'))).toMatch(/duration: /);
  });

  it('rejects zero workers and names the deployment', () => {
    expect(errorOf(valid.replace('workers: 3', 'workers: 0'))).toMatch(/deployments\[1\]\.workers/);
  });

  it('rejects an empty concurrency list', () => {
    expect(errorOf(valid.replace('[1, 4]', '[]'))).toMatch(/concurrency/);
  });

  it('rejects a request path without a leading slash', () => {
    expect(errorOf(valid.replace('/io?ms=50', 'io?ms=50'))).toMatch(/path: a request path starts with "\/"/);
  });

  it('says which key is missing', () => {
    expect(errorOf(valid.replace('duration: 2\n', ''))).toMatch(/missing required key "duration"/);
  });

  it('lets an open-loop scenario leave out concurrency, and asks for one of the two when both are missing', () => {
    const open = parseScenario(valid.replace('concurrency: [1, 4]', 'rate: [20, 40]'), 'my.yaml');
    expect(buildPlan(open, {}).rates).toEqual([20, 40]);
    expect(errorOf(valid.replace('concurrency: [1, 4]\n', ''))).toBe(
      'my.yaml: missing required key "concurrency" (clients, for a closed loop) or "rate" (req/s offered, for an open loop)',
    );
  });

  it('rejects an empty file and says how to start', () => {
    expect(errorOf('')).toMatch(/empty/);
  });

  it('rejects malformed YAML with a line number', () => {
    expect(errorOf('path: [/io\nduration: 2\n')).toMatch(/^my\.yaml:\d+:\d+: not valid YAML or JSON/);
  });

  it('suggests the closest built-in name for a typo', () => {
    expect(() => resolveScenario('blocking-vs-worker')).toThrow(/did you mean "blocking-vs-workers"/);
  });

  it('loads every built-in scenario and builds a plan for it', () => {
    for (const name of builtInScenarios().keys()) {
      const plan = buildPlan(loadScenario(name), {});
      expect(plan.deployments.length).toBeGreaterThan(0);
    }
  });
});

describe('what reports call a scenario', () => {
  it('is its folder for a file named bench.yaml with no name or description, never the bare file name', () => {
    expect(parseScenario(valid, '/home/me/mysite/bench.yaml').title).toBe('mysite');
  });

  it('is its name:, else its description, when it has one', () => {
    expect(parseScenario(`description: Django under gunicorn\n${valid}`, '/home/me/mysite/bench.yaml').title).toBe('Django under gunicorn');
    expect(parseScenario(`name: checkout\ndescription: Django under gunicorn\n${valid}`, '/home/me/mysite/bench.yaml').title).toBe('checkout');
  });

  it("is a built-in scenario's own name", () => {
    expect(loadScenario('blocking-vs-workers').title).toBe('blocking-vs-workers');
  });
});

describe('plans', () => {
  const scenario = parseScenario(valid, '/x/my.yaml');

  it('names an external deployment by its label:, and asks its health: path', () => {
    const external = (fields: string) =>
      buildPlan(parseScenario(`${valid.replace(/deployments:[\s\S]*/, '')}deployments:\n  - kind: external\n    url: http://127.0.0.1:8000\n${fields}`, '/x/my.yaml'), {})
        .deployments[0]!;
    expect(external('    label: my site\n    health: /healthz\n')).toMatchObject({ label: 'my site', spec: { health: '/healthz' } });
    expect(external('')).toMatchObject({ label: 'external 127.0.0.1:8000' });
    expect(external('').spec.health).toBeUndefined();
  });

  it('labels deployments with their pool size', () => {
    expect(buildPlan(scenario, {}).deployments.map((d) => d.label)).toEqual(['node-blocking', 'node-prefork ×3']);
  });

  it('lets --workers resize pre-fork pools only', () => {
    const plan = buildPlan(scenario, { workers: 8 });
    expect(plan.deployments.map((d) => d.spec.workers)).toEqual([1, 8]);
  });

  it('lets --deployments replace the scenario deployments', () => {
    const plan = buildPlan(scenario, { deployments: ['node-async', 'node-prefork'] });
    expect(plan.deployments.map((d) => d.label)).toEqual(['node-async', 'node-prefork ×4']);
  });

  it('rejects an unknown deployment kind and suggests the closest', () => {
    expect(() => buildPlan(scenario, { deployments: ['node-prefrok'] })).toThrow(
      /--deployments item 1: unknown deployment kind "node-prefrok"; did you mean "node-prefork"/,
    );
  });

  it("refuses args: that would move uvicorn off its one process and port, and a user's WSGI app on the ASGI kinds", () => {
    const planned = (deployment: string, app = '') => () =>
      buildPlan(parseScenario(`${app}path: /io?ms=50\nduration: 1\nconcurrency: [1]\ndeployments: [${deployment}]\n`, 'a.yaml'), {});
    expect(planned('{ kind: uvicorn, args: [--workers, "2"] }')).toThrow(/args: "--workers": uvicorn is one process here; for W worker processes use kind gunicorn-uvicorn; remove it/);
    expect(planned('{ kind: uvicorn, args: ["--port=80"] }')).toThrow(/args: "--port=80": bench sets it \(the loopback address it measures\)/);
    expect(planned('{ kind: gunicorn-uvicorn, args: [-k, gevent] }')).toThrow(/args: "-k": bench sets it \(the kind\)/);
    expect(planned('{ kind: uvicorn, args: [--no-access-log] }')().deployments[0]!.spec.args).toEqual(['--no-access-log']);
    // gunicorn's argparse takes abbreviations and attached short values: they are what they stand for.
    expect(planned('{ kind: gunicorn-gthread, args: [--thr, "8"] }')).toThrow(/args: "--thr" \(gunicorn-gthread reads it as --threads\): bench sets it \(threads:\)/);
    expect(planned('{ kind: gunicorn-gthread, args: ["-w8"] }')).toThrow(/args: "-w8" \(gunicorn-gthread reads it as -w\): bench sets it \(workers:\)/);
    expect(planned('{ kind: gunicorn-sync, args: ["--keep=5"] }')().deployments[0]!.spec.args).toEqual(['--keep=5']);
    expect(planned('{ kind: gunicorn-sync, args: [--print-conf] }')).toThrow(/args: "--print-conf" \(gunicorn-sync reads it as --print-config\): gunicorn would print its settings and exit without serving; remove it/);
    // Planning checks only that the interpreter is an executable file (never runs it): any will do, Python or not.
    expect(planned('gunicorn-uvicorn', `app: { wsgi: "app:app", dir: test/fixtures, python: ${JSON.stringify(process.execPath)} }\n`)).toThrow(/gunicorn-uvicorn cannot host a WSGI app \(app:app\); the kinds that can: .*gunicorn-sync/);
  });

  describe('with a database', () => {
    const database = (deployments: string) =>
      parseScenario(`database: postgres\npath: /db?ms=20\nduration: 1\nconcurrency: [4]\ndeployments:\n${deployments}`, 'db.yaml');

    it('labels deployments with the pool and driver the scenario set', () => {
      const plan = buildPlan(
        database(
          '  - { kind: gunicorn-gthread, workers: 2, threads: 4, pool: 1 }\n  - { kind: gunicorn-gevent, workers: 2, cooperativeDriver: false }\n' +
            '  - { kind: node-async, pool: 4 }\n  - { kind: gunicorn-sync, workers: 4 }\n',
        ),
        {},
      );
      expect(plan.database).toBe('postgres');
      expect(plan.deployments.map((d) => d.label)).toEqual([
        'gunicorn-gthread ×2 (4 threads, pool 1)',
        'gunicorn-gevent ×2 (blocking driver)',
        'node-async (pool 4)',
        'gunicorn-sync ×4',
      ]);
      expect(plan.deployments.every((d) => d.spec.database === 'postgres')).toBe(true);
    });

    it('wants database: postgres for pool and cooperativeDriver, and says to add it', () => {
      expect(() => buildPlan(parseScenario(valid.replace('workers: 3', 'workers: 3\n    pool: 2'), 'my.yaml'), {})).toThrow(
        /deployments\[1\]: pool: connections to a database need one; add database: postgres to the scenario, or remove pool/,
      );
    });

    it('refuses a pool for processes that serve one request at a time, and a driver choice where there is none', () => {
      expect(() => buildPlan(database('  - { kind: gunicorn-sync, pool: 4 }\n'), {})).toThrow(
        /deployments\[0\]: pool: each process of gunicorn-sync serves one request at a time, so it holds one connection/,
      );
      expect(() => buildPlan(database('  - { kind: gunicorn-gthread, cooperativeDriver: false }\n'), {})).toThrow(
        /deployments\[0\]: cooperativeDriver: only gunicorn-gevent chooses its driver .*; remove it/,
      );
    });

    it('refuses a database name other than postgres, naming the key', () => {
      expect(errorOf(valid + 'database: mysql\n')).toMatch(/database: the one database bench starts is postgres/);
    });
  });

  it('expands a list of worker counts into one deployment each', () => {
    const sweep = parseScenario(valid.replace('workers: 3', 'workers: [1, 2, 4]'), 'w.yaml');
    expect(buildPlan(sweep, {}).deployments.map((d) => d.spec.workers)).toEqual([1, 1, 2, 4]);
  });

  it('keeps the lowest, a middle and the highest level with --quick', () => {
    const wide = parseScenario(valid.replace('[1, 4]', '[1, 2, 4, 8, 16, 32, 64]'), 'w.yaml');
    const plan = buildPlan(wide, { quick: true });
    expect(plan.concurrency).toEqual([1, 8, 64]);
    expect(plan.durationS).toBeLessThan(wide.duration);
  });

  describe('with slow clients', () => {
    const sweep = (extra: string, base = valid.replace('[1, 4]', '[8]')) =>
      parseScenario(base + extra, 's.yaml');
    const counts = 'slowClients: { count: [0, 2, 4, 8], sendBytesPerSecond: 100 }\n';
    const planError = (text: string, overrides = {}) => {
      try {
        buildPlan(sweep(text), overrides);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error('expected the plan to be refused');
    };

    it('sweeps the slow-client counts at the one concurrency of an xAxis: slow-clients scenario', () => {
      const plan = buildPlan(sweep(`xAxis: slow-clients\n${counts}`), {});
      expect(plan.slowClients).toEqual({ counts: [0, 2, 4, 8], sendBytesPerSecond: 100 });
      expect(plan.concurrency).toEqual([8]);
      expect(buildPlan(sweep(`xAxis: slow-clients\n${counts}`), { quick: true }).slowClients?.counts).toEqual([0, 4, 8]);
    });

    it('runs one count beside every level of any other sweep', () => {
      const plan = buildPlan(parseScenario(`${valid}slowClients: { count: 2, sendBytesPerSecond: 100 }\n`, 's.yaml'), {});
      expect(plan.slowClients).toEqual({ counts: [2], sendBytesPerSecond: 100 });
      expect(plan.concurrency).toEqual([1, 4]);
    });

    it('wants slowClients for xAxis: slow-clients, and a list of counts to sweep', () => {
      expect(planError('xAxis: slow-clients\n')).toMatch(/^xAxis: slow-clients needs slowClients:/);
      expect(planError('xAxis: slow-clients\nslowClients: { count: 4, sendBytesPerSecond: 100 }\n')).toMatch(
        /^slowClients\.count: with xAxis: slow-clients, give the counts to sweep as a list/,
      );
      expect(planError(counts)).toMatch(/^slowClients\.count: a list of counts is a sweep; add xAxis: slow-clients/);
      expect(planError('xAxis: slow-clients\nslowClients: { count: [0, 4, 4], sendBytesPerSecond: 100 }\n')).toMatch(
        /^slowClients\.count: the count 4 is listed twice/,
      );
    });

    it('wants one closed-loop concurrency beside a slow-client sweep, naming the flag that gave more', () => {
      expect(() => buildPlan(parseScenario(`${valid}xAxis: slow-clients\n${counts}`, 's.yaml'), {})).toThrow(
        /^concurrency: with xAxis: slow-clients, give one concurrency \(the normal clients beside the slow ones\), not 2 levels/,
      );
      expect(planError(`xAxis: slow-clients\n${counts}`, { concurrency: [1, 8] })).toMatch(/^--concurrency: with xAxis: slow-clients/);
      expect(planError(`xAxis: slow-clients\n${counts}`, { rate: [80] })).toMatch(/^--rate: with xAxis: slow-clients the normal clients are a closed loop/);
    });

    it('refuses a rate it cannot send at, with the reason', () => {
      expect(errorOf(`${valid}slowClients: { count: 2, sendBytesPerSecond: 5000 }\n`)).toMatch(
        /slowClients\.sendBytesPerSecond: expected a whole number of bytes\/s from 10 to 1000, got \d+: a slow client/,
      );
    });

    it('refuses wrk, which cannot trickle, and says to use the builtin generator', () => {
      expect(planError(`xAxis: slow-clients\n${counts}`, { generator: 'wrk' })).toMatch(/--generator wrk: .*use the builtin generator for slow clients \(slowClients\)/);
    });
  });

  it('puts results in a timestamped folder under results/ by default', () => {
    const plan = buildPlan(scenario, {}, new Date('2026-01-02T03:04:05Z'));
    expect(plan.outDir).toMatch(/results\/my-2026-01-02_03-04-05$/);
  });
});
