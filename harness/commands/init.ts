import { dirname, extname, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { appFromFlags, CLI_APP_FIELDS, resolveApp, type AppUnderTest } from '../app/app.js';
import { appScenario } from '../app/scenario.js';
import { serverKinds } from '../deployments/kinds.js';
import type { AppHost } from '../deployments/kind.js';
import { writeWholeSync } from '../files/disk.js';
import { DEFAULT_INIT_FILE } from './shared/init-file.js';
import { EXIT, UsageError } from '../cli/errors.js';
import { faultLine } from '../files/machine-faults.js';
import { loadScenario, parseScenario, type Scenario } from '../scenario/load.js';


export interface InitFlags {
  app?: string;
  appDir?: string;
  python?: string;
  health?: string;
  force?: boolean;
}

/**
 * `bench init [FILE]`: a commented starter scenario in the current folder, for bench's demo app or
 * (--app) the user's own. Its values come from what `bench run` already measures: the
 * blocking-vs-workers scenario for the demo, `bench run --app`'s first look for an app, so that the
 * starter runs as it stands. An existing file is left alone unless --force.
 */
export function initCommand(file: string | undefined, flags: InitFlags): number {
  const target = file ?? DEFAULT_INIT_FILE;
  if (!['.yaml', '.yml'].includes(extname(target))) throw new UsageError(`${target}: name the scenario file NAME.yaml, so that bench run reads it as a file`);
  const input = appFromFlags(flags);
  const app = input && resolveApp(input, process.cwd(), CLI_APP_FIELDS);
  const text = starterScenario(target, app, dirname(resolve(target)));
  // What bench run will read: a starter that did not validate would be a bug here, not the user's.
  parseScenario(text, target);
  try {
    writeWholeSync(target, text, { keepExisting: !flags.force, mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${target} already exists; name another file (bench init OTHER.yaml) or pass --force to replace it`);
    throw new UsageError(faultLine(err) ?? `cannot write ${target}: ${(err as Error).message}`);
  }
  process.stdout.write(`wrote ${target}, a starter scenario for ${app ? `your app (${app.kind === 'node' ? app.node : app.kind === 'wsgi' ? app.wsgi : app.asgi})` : "bench's demo app"}; edit it, then: bench run ${target} --quick\n`);
  return EXIT.ok;
}

const yaml = (value: unknown) => stringify(value, { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trimEnd();

function starterScenario(file: string, app: AppUnderTest | undefined, scenarioDir: string): string {
  const base: Scenario = app ? appScenario(app.kind) : loadScenario('blocking-vs-workers');
  const host: AppHost = app?.kind ?? 'demo';
  const listed = new Set(base.deployments.map((d) => (typeof d === 'string' ? d : d.kind).replace(/\+nginx$/, '')));
  const others = serverKinds.filter((k) => k.launch !== 'attach' && k.hosts.includes(host) && !listed.has(k.name)).map((k) => k.name);
  return [
    `# A starter scenario from bench init. Run it with: bench run ${file} (add --quick for a first look).`,
    '# Every key is in docs/scenarios.md; `bench list` describes each deployment kind',
    '# and `bench doctor` says which ones this machine can run (the others are skipped, with the install command).',
    `description: ${yaml(base.description)}`,
    '# What to notice in the charts, for the reports (optional):',
    '# notice: >-',
    '#   Which deployment should flatten where, and why.',
    ...(app ? appLines(app, scenarioDir) : []),
    app
      ? '# The path every request GETs (a list measures each on its own), or requests: for a weighted mix.'
      : '# The path every request GETs. The demo app: /io?ms=N waits N ms like blocking I/O, /cpu?ms=N burns\n# N ms of CPU, /hello answers at once.',
    `path: ${yaml(base.path)}`,
    '# Seconds of load measured at each point, after warmup seconds that are not recorded.',
    `duration: ${base.duration}`,
    `warmup: ${base.warmup}`,
    '# Closed loop: each number is a load level of that many clients, each sending its next request as',
    '# soon as the last is answered. (rate: [20, 40, 80] drives an open loop in req/s instead.)',
    `concurrency: ${yaml(base.concurrency)}`,
    '# Each deployment is measured at every load level: a kind, or {kind, workers, threads}. KIND+nginx',
    '# puts nginx in front of it.',
    'deployments:',
    ...base.deployments.map((d) => `  - ${yaml(d)}`),
    ...(others.length > 0 ? [`# Other kinds for this app: ${others.join(', ')}.`] : []),
    '',
  ].join('\n');
}

/** The app: block, its paths relative to the scenario file (as bench run reads them). */
function appLines(app: AppUnderTest, scenarioDir: string): string[] {
  const from = (path: string) => relative(scenarioDir, path) || '.';
  const health = [`  health: ${yaml(app.health)}   # a path that answers 2xx once the app is ready`];
  if (app.kind === 'node') {
    return ['# Your Node program: it listens on $HOST:$PORT, which bench sets.', 'app:', `  node: ${yaml(from(app.node))}`, ...health];
  }
  return [
    `# Your ${app.kind.toUpperCase()} app: module:${app.kind === 'wsgi' ? 'callable' : 'attribute'}, imported from dir (relative to this file), run by python.`,
    'app:',
    app.kind === 'wsgi' ? `  wsgi: ${yaml(app.wsgi)}` : `  asgi: ${yaml(app.asgi)}`,
    `  dir: ${yaml(from(app.dir))}`,
    `  python: ${yaml(app.python)}`,
    ...health,
  ];
}
