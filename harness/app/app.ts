import { statSync } from 'node:fs';
import { isExecutable, isFile } from '../files/file-kind.js';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { quoted } from '../formatting/quote.js';
import { requestPath } from '../scenario/schema.js';
import type { AppUnderTest } from '../results/types.js';
import { findExecutable } from '../software/catalog.js';
import { inspectAsDeployed } from './inspect.js';

export type { AppUnderTest };

/** The app as a scenario's `app:` or the CLI's --app flags give it, before it is checked. */
export interface AppInput {
  wsgi?: string;
  asgi?: string;
  /** --app module:attribute: a Python app whose shape, WSGI or ASGI, bench reads by importing it. */
  pythonApp?: string;
  node?: string;
  dir?: string;
  python?: string;
  health?: string;
}

/** Where each field came from, for errors: `app.dir` in a file, or `--app-dir` on the command line. */
export interface AppFieldNames {
  wsgi: string;
  asgi: string;
  node: string;
  dir: string;
  python: string;
  health: string;
  /** Prefix of every error: the scenario file; none for flags, which name themselves. */
  where?: string;
}

const MODULE_CALLABLE = /^[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?$/;

/**
 * Checks the user's app and makes its paths absolute: relative to the scenario file's folder
 * (`baseDir`) for a scenario, to the current folder for the CLI. Every problem is a UsageError
 * naming the field and saying what would do.
 */
export function resolveApp(input: AppInput, baseDir: string, names: AppFieldNames, envs: Record<string, string>[] = []): AppUnderTest {
  const fail = (field: keyof Omit<AppFieldNames, 'where'>, message: string): never => {
    throw new UsageError(`${names.where ? `${names.where}: ` : ''}${names[field]}: ${message}`);
  };
  const health = input.health ?? '/';
  if (!requestPath.safeParse(health).success) fail('health', `a path like /healthz, got ${quoted(health)}`);
  const given = (['wsgi', 'asgi', 'node'] as const).filter((field) => input[field] !== undefined);
  if (given.length > 1) fail(given[1]!, `give one of ${names.wsgi}, ${names.asgi} or ${names.node}, not ${given.map((f) => names[f]).join(' and ')}`);
  if (input.node !== undefined) {
    for (const field of ['dir', 'python'] as const) {
      if (input[field] !== undefined) fail(field, `is for a Python app (${names.wsgi}, ${names.asgi}); a Node app is one file`);
    }
    const program = resolve(baseDir, input.node);
    if (!isFile(program)) fail('node', `${program} is not a file; name the Node program that listens on $HOST:$PORT`);
    return { kind: 'node', node: program, health };
  }
  const field = input.asgi !== undefined ? 'asgi' : 'wsgi';
  const named = input.asgi ?? input.wsgi ?? input.pythonApp;
  if (named === undefined) return fail('wsgi', 'name the app: wsgi: module:callable (a WSGI app), asgi: module:attribute (an ASGI app) or node: FILE (a Node program)');
  if (/\.py(:|$)/.test(named)) fail(field, `"${named}" is a file name; name the module without .py, e.g. ${named.replace(/\.py(?=:|$)/, '').replace(/\//g, '.')}`);
  if (!MODULE_CALLABLE.test(named)) fail(field, `"${named}" is not module:${field === 'asgi' ? 'attribute' : 'callable'}, e.g. ${field === 'asgi' ? 'main:app' : 'myproject.wsgi:application'}`);
  const dir = resolve(baseDir, input.dir ?? '.');
  if (!isDirectory(dir)) fail('dir', `${dir} is not a folder; it is the folder the module is imported from`);
  const python = input.python === undefined ? defaultPython() : resolveInterpreter(input.python, baseDir);
  if (!python) return fail('python', 'no python3 found; name the interpreter, e.g. python: .venv/bin/python');
  if (!isExecutable(python)) fail('python', `${python} is not an executable file`);
  // "module" alone means module:application, as gunicorn and uWSGI read it.
  const target = named.includes(':') ? named : `${named}:application`;
  if (input.pythonApp !== undefined) return pythonAppByShape(target, dir, python, health, names, envs);
  if (field === 'wsgi') return { kind: 'wsgi', wsgi: target, dir, python, health };
  // The facts the model reads come from the same import that checks it (checkAppImports), with
  // the deployments' env: (`envs`).
  const inspection = inspectAsDeployed({ target, dir, python }, envs);
  return { kind: 'asgi', asgi: target, dir, python, health, ...(inspection.imported && inspection.shape === 'asgi' && { facts: inspection.facts }) };
}

/** `--app module:attribute`: WSGI or ASGI, as importing it tells; an app that cannot be imported is refused in Python's words. */
function pythonAppByShape(target: string, dir: string, python: string, health: string, names: AppFieldNames, envs: Record<string, string>[]): AppUnderTest {
  const inspection = inspectAsDeployed({ target, dir, python }, envs);
  if (inspection.imported === false) throw new UsageError(`${names.wsgi}: ${target} cannot be imported from ${dir} by ${python}: ${inspection.said}`);
  if (inspection.imported && inspection.shape === 'asgi') return { kind: 'asgi', asgi: target, dir, python, health, facts: inspection.facts };
  // No verdict (a hung import): WSGI, as before bench told them apart; the server's start will say more.
  return { kind: 'wsgi', wsgi: target, dir, python, health };
}

/** Field names for a scenario file's `app:` block. */
export function scenarioAppFields(file: string): AppFieldNames {
  return { wsgi: 'app.wsgi', asgi: 'app.asgi', node: 'app.node', dir: 'app.dir', python: 'app.python', health: 'app.health', where: file };
}

/** Field names for `bench run --app …`. */
export const CLI_APP_FIELDS: AppFieldNames = {
  wsgi: '--app',
  asgi: '--app',
  node: '--app',
  dir: '--app-dir',
  python: '--python',
  health: '--health',
};

/** `--app X`: a .js/.mjs/.cjs file is a Node program, anything else a Python module:attribute, WSGI or ASGI as importing it tells. */
export function appFromFlags(flags: { app?: string; appDir?: string; python?: string; health?: string }): AppInput | undefined {
  if (flags.app === undefined) {
    const stray = flags.appDir !== undefined ? '--app-dir' : flags.python !== undefined ? '--python' : flags.health !== undefined ? '--health' : undefined;
    if (stray) throw new UsageError(`${stray} goes with --app (the app to measure)`);
    return undefined;
  }
  const node = /\.[cm]?js$/.test(flags.app);
  return {
    ...(node ? { node: flags.app } : { pythonApp: flags.app }),
    ...(flags.appDir !== undefined && { dir: flags.appDir }),
    ...(flags.python !== undefined && { python: flags.python }),
    ...(flags.health !== undefined && { health: flags.health }),
  };
}

/** Debian's Python first: it is the one that has the apt-installed gunicorn, uWSGI plugin and gevent. */
function defaultPython(): string | undefined {
  return isExecutable('/usr/bin/python3') ? '/usr/bin/python3' : findExecutable('python3');
}

/** A path (relative to the scenario) or a bare name looked up on PATH. */
function resolveInterpreter(python: string, baseDir: string): string {
  if (isAbsolute(python) || python.includes('/')) return resolve(baseDir, python);
  return findExecutable(python) ?? resolve(baseDir, python);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
