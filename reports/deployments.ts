import { external } from '../harness/deployments/external.js';
import type { AppUnderTest, ResultRow, RunResults } from '../harness/results/types.js';

/** A point of a server someone started by hand (kind external): its pool and where it ran are its owner's, not bench's. */
export const startedOutsideBench = (row: ResultRow): boolean => row.server === external.name;

/** How one deployment of a run was started: what tells two runs' settings apart. */
export interface StartedDeployment {
  deployment: string;
  /** The server's command line, quoted as a shell would need it (for reading; bench never runs it through a shell). */
  command: string;
  nginxConfig?: string;
  apacheConfig?: string;
  /** The process manager's config (supervisord.conf), as bench wrote it. */
  managerConfig?: { name: string; text: string };
}

/** One entry per deployment, in the run's order, from its first row (every row of a deployment started the same way). */
export function startedDeployments(run: RunResults): StartedDeployment[] {
  const seen = new Map<string, StartedDeployment>();
  for (const row of run.results) {
    if (seen.has(row.deployment) || !row.serverArgs) continue;
    seen.set(row.deployment, {
      deployment: row.deployment,
      command: row.serverArgs.map(shellWord).join(' '),
      ...(row.nginxConfig && { nginxConfig: row.nginxConfig }),
      ...(row.apacheConfig && { apacheConfig: row.apacheConfig }),
      ...(row.managerConfig && { managerConfig: row.managerConfig }),
    });
  }
  return [...seen.values()];
}

/** "WSGI app fixture_app:application from /srv/app, on /srv/app/.venv/bin/python; ready at /healthz". */
export function describeApp(app: AppUnderTest | undefined): string {
  if (!app) return "bench's demo app (servers/node, servers/python)";
  if (app.kind === 'wsgi') return `WSGI app ${app.wsgi} from ${app.dir}, on ${app.python}; ready at ${app.health}`;
  if (app.kind === 'asgi') return `ASGI app ${app.asgi}${app.facts?.framework ? ` (${app.facts.framework})` : ''} from ${app.dir}, on ${app.python}; ready at ${app.health}`;
  return `Node program ${app.node}; ready at ${app.health}`;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
