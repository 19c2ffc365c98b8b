import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { pythonServersDir } from '../files/bench-paths.js';
import { escapeControls } from '../formatting/quote.js';
import { serverEnvironment } from '../process/server-env.js';
import type { AsgiAppFacts } from '../results/types.js';

/**
 * Long enough for a large app's imports (Django with its settings), short enough that a hung
 * import does not stall the start: past it the check gives no verdict, and the server's own
 * start, which waits for readiness, tells what is wrong.
 */
const IMPORT_TIMEOUT_MS = 20_000;

/** A Python app bench is to import: module:attribute, the folder it is imported from, the interpreter. */
export interface PythonApp {
  target: string;
  dir: string;
  python: string;
}

/** What importing the app told: its shape, and for an ASGI app what bench read of it. */
export type Inspection =
  /** `paths`: the app's own GET routes without parameters, in its router's order, where bench can read them. */
  | { imported: true; shape: 'wsgi' | 'asgi'; framework?: string; facts: AsgiAppFacts; paths?: string[] }
  /** `said`: Python's last line on stderr, controls escaped. */
  | { imported: false; said: string }
  /** The check ran out of time or could not start: no verdict either way. */
  | { imported: undefined };

const inspections = new Map<string, Inspection>();

/**
 * Imports the app in its own interpreter and folder (servers/python/app_check.py), with the
 * variables a deployment passes (`env`), and reads what it is. The one Python start bench makes
 * per app and env before any server: the shape (--app), the import check and the model's facts
 * all come from it, so it is remembered.
 */
export function inspectApp(app: PythonApp, env: Record<string, string> = {}): Inspection {
  const key = JSON.stringify([app.python, app.dir, app.target, env]);
  const known = inspections.get(key);
  if (known) return known;
  const r = spawnSync(app.python, ['-u', join(pythonServersDir, 'app_check.py'), '--dir', app.dir, '--app', app.target, '--parent', String(process.pid)], {
    cwd: app.dir,
    env: serverEnvironment(process.env, env),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: IMPORT_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  const inspection = read(r);
  inspections.set(key, inspection);
  return inspection;
}

/**
 * The app as its deployments import it: with each distinct `env:` they pass (a variable such as
 * DJANGO_SETTINGS_MODULE or a secret the settings read may be what makes it importable), in the
 * deployments' order, the first that imports giving the verdict and the facts; none imports: the
 * first env's failure. Values never leave the child's environment.
 */
export function inspectAsDeployed(app: PythonApp, envs: Record<string, string>[]): Inspection {
  const distinct = [...new Map((envs.length > 0 ? envs : [{}]).map((env) => [JSON.stringify(env), env])).values()];
  let first: Inspection | undefined;
  for (const env of distinct) {
    const inspection = inspectApp(app, env);
    first ??= inspection;
    if (inspection.imported !== false) return inspection;
  }
  return first!;
}

function read(r: SpawnSyncReturns<string>): Inspection {
  if (r.error || r.status === null) return { imported: undefined };
  if (r.status !== 0) {
    return { imported: false, said: escapeControls(r.stderr.trim().split('\n').pop()?.trim() || `exited with status ${r.status}`) };
  }
  try {
    const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as {
      shape: 'wsgi' | 'asgi';
      framework: string | null;
      routes?: AsgiAppFacts['routes'];
      threadPool?: AsgiAppFacts['threadPool'];
      paths?: string[];
    };
    const framework = report.framework ?? undefined;
    return {
      imported: true,
      shape: report.shape,
      ...(framework && { framework }),
      ...(report.paths && { paths: report.paths }),
      facts: { ...(framework && { framework }), ...(report.routes && { routes: report.routes }), ...(report.threadPool && { threadPool: report.threadPool }) },
    };
  } catch {
    // Not bench's check (an interpreter that is no Python): no verdict, as when it cannot start.
    return { imported: undefined };
  }
}

/** "an ASGI app (FastAPI)", "a WSGI app (Flask)": for messages. */
export function describeShape(inspection: Extract<Inspection, { imported: true }>): string {
  const what = { wsgi: 'a WSGI app', asgi: 'an ASGI app' }[inspection.shape];
  return inspection.framework ? `${what} (${inspection.framework})` : what;
}
