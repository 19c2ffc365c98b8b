// What `npm run bench:crosscheck` measures: each deployment bench can start, driven where its
// concurrency model is full (/io) and where the generator's own cost shows most (/hello on servers
// that close the connection after each response, and on a keep-alive event loop).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { alwaysBehindNginx, defaultWorkers, deploymentLabel, type DeploymentSpec, type ServerKind } from '../deployments/kind.js';
import { findKind } from '../deployments/kinds.js';
import { flaskDev } from '../deployments/python.js';
import { pythonServersDir } from '../files/bench-paths.js';
import { requiredSoftware, type PlannedDeployment } from '../plan/build-plan.js';
import { findExecutable, installCommand, missingSoftware } from '../software/catalog.js';

const IO = '/io?ms=50';
const HELLO = '/hello';

/** bench/wrk throughput the builtin engine should reach: waiting leaves both idle, /hello shows their cost. */
const GOALS: Record<string, number> = { [IO]: 0.97, [HELLO]: 0.95 };

/**
 * Each path's rounds, as a multiple of --rounds. On this shared machine a /hello figure moves by
 * 10–20% from one window to the next, wrk's against itself too (a waiting /io figure by 1–3%), so
 * /hello gets twice the rounds: a median over more pairs. (Shorter windows, for more pairs in the
 * same time, moved its ratios down by 5–10% in one run: not a trade worth making.)
 */
const ROUNDS_FACTOR: Record<string, number> = { [IO]: 1, [HELLO]: 2 };

/** A case's rounds under --rounds. */
export function roundsOf(c: Pick<Case, 'path'>, rounds: number): number {
  return rounds * ROUNDS_FACTOR[c.path]!;
}

/** "5 rounds (/hello: 10)". */
export function describeRounds(rounds: number): string {
  return `${roundsOf({ path: IO }, rounds)} rounds (${HELLO}: ${roundsOf({ path: HELLO }, rounds)})`;
}

export interface Case {
  /** "gunicorn-sync ×4 /hello c=8": what --cases filters on. */
  name: string;
  path: string;
  concurrency: number;
  goal: number;
}

/** A deployment and its cases: the server starts once for all of them. */
export interface CaseGroup {
  deployment: PlannedDeployment;
  cases: Case[];
  /** Why it cannot run here; undefined when it can. */
  unavailable(): Promise<string | undefined>;
}

/** [path, concurrency] pairs per deployment. A pool is full at c = 8 (K ≤ 8); an event loop never is. */
type Loads = [string, number][];

const io8: Loads = [[IO, 8]];
const closesAfterResponse: Loads = [[IO, 8], [HELLO, 8]];
const eventLoop: Loads = [[IO, 64]];

export async function crosscheckGroups(): Promise<CaseGroup[]> {
  const groups = [
    kindGroup('node-blocking', {}, io8),
    kindGroup('node-prefork', { workers: 4 }, io8),
    kindGroup('node-async', {}, [...eventLoop, [HELLO, 8], [HELLO, 50]]),
    kindGroup('flask-dev', {}, closesAfterResponse),
    kindGroup('gunicorn-sync', { workers: 4 }, closesAfterResponse),
    kindGroup('gunicorn-gthread', { workers: 2, threads: 4, args: ['--worker-connections', '4', '--keep-alive', '0'] }, io8),
    kindGroup('gunicorn-gevent', { workers: 2 }, io8),
    kindGroup('uwsgi', { workers: 4 }, closesAfterResponse),
    kindGroup('uvicorn', {}, eventLoop),
    kindGroup('gunicorn-uvicorn', { workers: 4 }, eventLoop),
    kindGroup('cgi', { workers: 4 }, io8),
    kindGroup('gunicorn-sync', { workers: 4, proxy: 'nginx' }, io8),
    kindGroup('node-async', { proxy: 'nginx' }, eventLoop),
  ];
  return [...groups, await pipFlask3Group()];
}

/** A kind bench deploys, with its own launcher, skipped when its software is missing. */
function kindGroup(kindName: string, settings: Partial<DeploymentSpec>, loads: Loads): CaseGroup {
  const kind = findKind(kindName)!;
  const spec: DeploymentSpec = {
    kind: kindName,
    workers: defaultWorkers(kind),
    proxy: alwaysBehindNginx(kind) ? 'nginx' : 'none',
    ...settings,
  };
  const deployment = { spec, kind, label: deploymentLabel(spec, kind) };
  return {
    deployment,
    cases: casesOf(deployment.label, loads),
    unavailable: async () => {
      const missing = await missingSoftware(requiredSoftware(deployment));
      return missing.length > 0 ? `${missing.map((s) => s.name).join(' and ')} not installed (${installCommand(missing)})` : undefined;
    },
  };
}

function casesOf(label: string, loads: Loads): Case[] {
  return loads.map(([path, concurrency]) => ({ name: `${label} ${path} c=${concurrency}`, path, concurrency, goal: GOALS[path]! }));
}

/**
 * Flask's dev server on Flask 3 / Werkzeug 3 from pip, in the python3 first on PATH (bench's own
 * flask-dev runs Debian's Flask 2.2): Werkzeug 3 holds its side of a closed connection open for a
 * while, which a client that waits for the server's FIN pays on every request.
 */
async function pipFlask3Group(): Promise<CaseGroup> {
  const found = await findPipFlask();
  const label = found ? `flask-dev (Flask ${found.flask} from pip)` : 'flask-dev (Flask 3 from pip)';
  const kind: ServerKind = {
    ...flaskDev,
    requires: [],
    plan: async (_spec, ctx) => ({
      command: found!.python,
      args: ['-m', 'flask', '--app', join(pythonServersDir, 'app.py'), 'run', '--host', ctx.host, '--port', String(ctx.port), '--without-threads'],
    }),
  };
  const deployment: PlannedDeployment = { spec: { kind: kind.name, workers: 1, proxy: 'none' }, kind, label };
  return {
    deployment,
    cases: casesOf(label, [[IO, 4], [HELLO, 4]]),
    unavailable: async () => (found ? undefined : `the python3 first on PATH (${findExecutable('python3') ?? 'none'}) has no Flask 3 from pip`),
  };
}

/** The interpreter behind the python3 on PATH (through any pyenv shim) and its Flask version, when that is 3.x. */
function findPipFlask(): Promise<{ python: string; flask: string } | undefined> {
  const python3 = findExecutable('python3');
  const probe = 'import sys, flask; from importlib.metadata import version; print(sys.executable); print(version("flask"))';
  return new Promise((resolve) => {
    if (!python3) return resolve(undefined);
    execFile(python3, ['-c', probe], { timeout: 15_000 }, (err, stdout) => {
      const [python, flask] = stdout.trim().split('\n');
      resolve(!err && python && flask?.startsWith('3.') ? { python, flask } : undefined);
    });
  });
}
