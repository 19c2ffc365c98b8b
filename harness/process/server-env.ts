/**
 * The environment servers start with: the caller's, less the variables that would silently
 * reconfigure the server under test. With GUNICORN_CMD_ARGS="--threads 8" in the shell, a
 * "gunicorn-sync ×2" turns into gthread workers and measures four times its model; PYTHONPATH can
 * swap the Flask bench runs for another; NODE_OPTIONS can change Node's heap or load a preload
 * module into every Node server; BENCH_STATUS_DIR makes the demo app write a file on every request
 * (bench serve sets it on purpose); BENCH_PG* would point the demo app's /db at another database
 * than the private one a `database: postgres` run starts (bench sets them on purpose then). A
 * scenario passes any of them on purpose with `env:`.
 */
const RECONFIGURING = new Set(['GUNICORN_CMD_ARGS', 'WEB_CONCURRENCY', 'PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'NODE_OPTIONS', 'NODE_PATH', 'BENCH_STATUS_DIR']);
const RECONFIGURING_PREFIXES = ['GUNICORN_', 'UWSGI_', 'BENCH_PG'];

export function reconfigures(name: string): boolean {
  return RECONFIGURING.has(name) || RECONFIGURING_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The names of the caller's variables that servers do not get. */
export function removedFromServers(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.keys(env).filter(reconfigures).sort();
}

/** `base` without the reconfiguring variables, then what the deployment sets on purpose. */
export function serverEnvironment(base: NodeJS.ProcessEnv, onPurpose: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) if (!reconfigures(name)) env[name] = value;
  return { ...env, ...onPurpose };
}
