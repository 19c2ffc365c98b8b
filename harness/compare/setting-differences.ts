import type { ResultRow, RunResults } from '../results/types.js';

/** One setting or machine fact that differs between BASE and NEW, with both values as text. */
export interface Difference {
  name: string;
  base: string;
  next: string;
}

type Fact = [name: string, of: (run: RunResults) => string];

/**
 * Settings that change the figures themselves: comparing runs that differ in one of these would
 * call the difference in method a regression. (Concurrency levels, deployments and repeats do not
 * belong here: points are matched one by one, and a level only one run measured is left out.)
 */
const FIGURE_SETTINGS: Fact[] = [
  // The order of paths changes nothing measured; the set does.
  ['paths', (run) => [...run.settings.paths].sort().join(', ')],
  ['durationS', (run) => String(run.settings.durationS)],
  ['warmupS', (run) => String(run.settings.warmupS)],
  ['quick', (run) => (run.settings.quick ? 'on' : 'off')],
  ['loop', (run) => (run.settings.rates.length > 0 ? 'open' : 'closed')],
  ['generator', (run) => run.settings.generator],
  ['placement', (run) => run.settings.placement.mode],
  // Servers on another machine (--server-host) are reached over its network, not loopback.
  ['serverHost', (run) => run.settings.serverHost ?? 'this machine'],
  // Slow clients' counts are matched point by point; how slowly they send is the method.
  ['slowClientsSendBytesPerSecond', (run) => String(run.settings.slowClients?.sendBytesPerSecond ?? 'no slow clients')],
];

/** What makes two machines give different figures for the same code. */
const MACHINE_FACTS: Fact[] = [
  ['cpuModel', (run) => run.environment.cpuModel],
  ['cpus', (run) => String(run.environment.cpus)],
];

/** The servers' own machine, when either run had one (--server-host): its cores bound the servers. */
const SERVER_MACHINE_FACTS: Fact[] = [
  ['serverCpuModel', (run) => (run.serverMachine ?? run.environment).cpuModel],
  ['serverCpus', (run) => String((run.serverMachine ?? run.environment).cpus)],
];

function differences(facts: Fact[], base: RunResults, next: RunResults): Difference[] {
  return facts.map(([name, of]) => ({ name, base: of(base), next: of(next) })).filter((d) => d.base !== d.next);
}

export function settingDifferences(base: RunResults, next: RunResults): Difference[] {
  return differences(FIGURE_SETTINGS, base, next);
}

export function machineDifferences(base: RunResults, next: RunResults): Difference[] {
  return differences(base.serverMachine || next.serverMachine ? [...MACHINE_FACTS, ...SERVER_MACHINE_FACTS] : MACHINE_FACTS, base, next);
}

/**
 * Deployments matched in both runs whose servers were started differently: another command line
 * (serverArgs) or another nginx.conf. That is often the very change being compared (a tuned
 * worker count, upstream keep-alive), but a reader must know. Ports and bench's private temp
 * folders change every run and are left out.
 */
export function startedDifferently(pairs: [base: ResultRow, next: ResultRow][]): string[] {
  const seen = new Map<string, string[]>();
  for (const [base, next] of pairs) {
    if (seen.has(next.deployment)) continue;
    const what = [
      ...(normalized(base.serverArgs?.join(' ')) !== normalized(next.serverArgs?.join(' ')) ? ['command line'] : []),
      ...(normalized(base.nginxConfig) !== normalized(next.nginxConfig) ? ['nginx.conf'] : []),
      ...(normalized(base.apacheConfig) !== normalized(next.apacheConfig) ? ['httpd.conf'] : []),
    ];
    seen.set(next.deployment, what);
  }
  return [...seen].filter(([, what]) => what.length > 0).map(([deployment, what]) => `${deployment} (${what.join(', ')})`);
}

function normalized(text: string | undefined): string {
  return (text ?? '')
    .replace(/(127\.0\.0\.1|localhost|\[::1\]):\d+/g, '$1:PORT')
    // node, flask, uvicorn and the WSGI host take the port as an argument of its own.
    .replace(/(--port[= ])\d+/g, '$1PORT')
    .replace(/\/bench-[A-Za-z0-9]+/g, '/bench-TMP')
    .replace(/-\d{2,5}(\/|\.|\b)/g, '-N$1');
}
