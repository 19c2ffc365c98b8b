import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isFile } from '../files/file-kind.js';
import { UsageError } from '../cli/errors.js';
import { pythonServersDir } from '../files/bench-paths.js';
import type { AppUnderTest, ConfigFileUse, SettingValue } from '../results/types.js';
import { DEBIAN_PYTHON, findExecutable } from '../software/catalog.js';
import { takesThreads, type ConfigFileSupport, type FileDecides, type FileSettings, type ServerConfigFile, type ServerKind } from './kind.js';

const FROM_TEXT: Record<ConfigFileUse['from'], string> = {
  'config:': 'named by config:',
  'args:': 'named in args:',
  'the app folder': "found in the app folder, which gunicorn reads when no -c is given",
};

/** "gunicorn.conf.py at /srv/app/gunicorn.conf.py (found in the app folder, …)": for the run's output and the export. */
export function describeConfigFile(config: ConfigFileUse): string {
  return `${config.path} (${FROM_TEXT[config.from]})`;
}

/** The run's line about the file: which one, why, and what it sets ("reads /srv/app/gunicorn.conf.py (found in …): timeout = 60, keepalive = 5"). */
export function configFileLine(config: ServerConfigFile): string {
  const sets = Object.entries(config.sets).map(([name, value]) => `${name} = ${Array.isArray(value) ? value.join(',') : String(value)}`);
  const all = [...sets, ...config.byNameOnly.map((name) => `${name} (code)`)];
  return `reads ${describeConfigFile(config)}${all.length > 0 ? `: ${all.join(', ')}` : ', which sets nothing'}`;
}

/** The value of a config-naming flag in args: `-c FILE`, `--config=FILE` or `-cFILE`; its index and form, to rewrite it. */
function configFlagAt(args: readonly string[], flags: readonly string[]): { at: number; flag: string; value: string | undefined; joined: boolean } | undefined {
  for (let at = 0; at < args.length; at++) {
    const arg = args[at]!;
    for (const flag of flags) {
      if (arg === flag) return { at, flag, value: args[at + 1], joined: false };
      if (flag.startsWith('--') && arg.startsWith(`${flag}=`)) return { at, flag, value: arg.slice(flag.length + 1), joined: true };
      if (!flag.startsWith('--') && arg.startsWith(flag) && arg.length > flag.length && !arg.startsWith('--')) return { at, flag, value: arg.slice(flag.length), joined: true };
    }
  }
  return undefined;
}

/** gunicorn's "python:module" names a module, not a file. */
const isPath = (value: string) => !value.startsWith('python:');

/**
 * A scenario's deployment with its config file's path, in `config:` or in `args:`, made absolute
 * from the scenario's folder: a relative -c would otherwise be read from gunicorn's working folder.
 * A file named in args: that is not beside the scenario is left for configFileOf to find in the
 * app folder, gunicorn's working folder, where gunicorn itself would look.
 */
export function withAbsoluteConfigPaths<T extends { config?: string; args?: string[] }>(entry: T, baseDir: string, support: ConfigFileSupport | undefined): T {
  const config = entry.config !== undefined ? resolve(baseDir, entry.config) : undefined;
  let args = entry.args;
  const found = support && args ? configFlagAt(args, support.flags) : undefined;
  if (args && found?.value !== undefined && isPath(found.value) && !isAbsolute(found.value) && isFile(resolve(baseDir, found.value))) {
    const path = resolve(baseDir, found.value);
    args = [...args];
    if (found.joined) args[found.at] = found.flag.startsWith('--') ? `${found.flag}=${path}` : `${found.flag}${path}`;
    else args[found.at + 1] = path;
  }
  return { ...entry, ...(config !== undefined && { config }), ...(args && { args }) };
}

/**
 * The deployment's config file, from `config:`, from a flag in `args:` (taken out: the kind passes
 * the file itself), or the one the server reads from the app folder unasked; and what it sets.
 */
export function configFileOf(
  object: { config?: string; args?: string[] },
  kind: ServerKind,
  userApp: AppUnderTest | undefined,
  where: string,
): { config?: ServerConfigFile; args?: string[] } {
  const app = userApp && userApp.kind !== 'node' ? { dir: userApp.dir, python: userApp.python } : { dir: pythonServersDir, python: undefined };
  const support = kind.configFile;
  if (!support) {
    if (object.config !== undefined) {
      const able = kind.name === 'external' ? 'bench starts no server for kind external, so it passes no file' : `${kind.name} reads no config file bench can pass`;
      throw new UsageError(`${where}: config: ${able}; gunicorn's kinds take a gunicorn.conf.py and uwsgi a uwsgi.ini; remove config`);
    }
    return { ...(object.args && { args: object.args }) };
  }
  const inArgs = object.args ? configFlagAt(object.args, support.flags) : undefined;
  if (inArgs && object.config !== undefined) {
    throw new UsageError(`${where}: config: ${object.config} and args: ${inArgs.flag} ${inArgs.value ?? ''} both name a config file; keep one (config: is read relative to the scenario too)`);
  }
  let args = object.args;
  let named: { path: string; from: ConfigFileUse['from']; field: string } | undefined;
  if (object.config !== undefined) named = { path: object.config, from: 'config:', field: 'config' };
  else if (inArgs) {
    if (inArgs.value === undefined) throw new UsageError(`${where}: args: ${inArgs.flag} names no file; give it one, e.g. [${inArgs.flag}, ${support.fileName}], or use config: ${support.fileName}`);
    if (!isPath(inArgs.value)) return { ...(args && { args }) };
    args = args!.filter((_, i) => i !== inArgs.at && (inArgs.joined || i !== inArgs.at + 1));
    named = { path: resolve(app.dir, inArgs.value), from: 'args:', field: `args: ${inArgs.flag}` };
  } else if (support.readUnasked && existsSync(join(app.dir, support.readUnasked))) {
    named = { path: join(app.dir, support.readUnasked), from: 'the app folder', field: `the app folder's ${support.readUnasked}` };
  }
  if (!named) return { ...(args && { args }) };
  if (!isFile(named.path)) {
    const looked = named.from === 'args:' ? ' (a relative one is looked for beside the scenario file, then in the app folder)' : ', relative to the scenario file';
    throw new UsageError(`${where}: ${named.field}: ${named.path} is not a file; name ${kind.name}'s ${support.fileName}${looked}`);
  }
  const read = support.read(named.path, app.python, app.dir);
  const settings = read ?? { sets: {}, byNameOnly: [] };
  return { config: { path: named.path, from: named.from, ...settings }, ...(args && args.length > 0 && { args }) };
}

/** What the deployment asks for itself, and where it asked: `workers:` in the scenario, or --workers. */
export interface Asked {
  workers?: { values: number[]; field: string };
  threads?: { value: number; field: string };
  preload?: boolean;
}

/**
 * W, T and preload where a config file decides them. The command line bench builds would override
 * the file, so that bench measured other settings than the file ships: a deployment that asks for
 * other values than its file sets is refused, and one that does not ask gets the file's.
 */
export function settleWithFile(config: ServerConfigFile | undefined, kind: ServerKind, asked: Asked, where: string): FileDecides {
  if (!config || !kind.configFile) return {};
  let decided: FileDecides;
  try {
    decided = kind.configFile.decides(config, kind);
  } catch (err) {
    throw new UsageError(`${where}: ${config.path}: ${(err as Error).message}`);
  }
  const contradiction = (field: string, asked: string, setting: string, value: string | number | boolean) =>
    new UsageError(
      `${where}: ${field} ${asked}, and ${describeConfigFile(config)} sets ${setting} = ${value}: bench would override the file and measure ` +
        `what you do not ship; remove ${field} to measure the file's ${value}, or change the file`,
    );
  if (decided.workers !== undefined && asked.workers) {
    const other = asked.workers.values.find((w) => w !== decided.workers);
    if (other !== undefined) throw contradiction(asked.workers.field, String(other), 'workers', decided.workers);
  }
  if (decided.threads !== undefined && asked.threads && asked.threads.value !== decided.threads) {
    throw contradiction(asked.threads.field, String(asked.threads.value), 'threads', decided.threads);
  }
  if (decided.preload !== undefined && asked.preload !== undefined && asked.preload !== decided.preload) {
    throw contradiction('preload:', String(asked.preload), kind.name === 'uwsgi' ? 'lazy-apps' : 'preload_app', kind.name === 'uwsgi' ? !decided.preload : decided.preload);
  }
  return decided;
}

/**
 * What a gunicorn config file sets, read by gunicorn's own code (Application's loader, and each
 * setting's validator), in the folder gunicorn would read it from; without loading the app.
 */
const READ_GUNICORN_CONFIG = `
import json, sys, types
from gunicorn.app.base import Application
from gunicorn.config import Config
reader = types.SimpleNamespace(
    cfg=Config(),
    get_config_from_filename=lambda f: Application.get_config_from_filename(None, f),
    get_config_from_module_name=lambda m: Application.get_config_from_module_name(None, m),
)
names = Application.load_config_from_module_name_or_filename(reader, sys.argv[1])
sets, by_name_only = {}, []
for name in names:
    if name not in reader.cfg.settings:
        continue
    value = reader.cfg.settings[name].get()
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        sets[name] = list(value)
    elif value is None or isinstance(value, (bool, int, float, str)):
        sets[name] = value
    else:
        by_name_only.append(name)
print(json.dumps({"sets": sets, "byNameOnly": by_name_only}))
`;

const read = new Map<string, FileSettings | undefined>();

/** The interpreter that has gunicorn: the app's, else Debian's (where bench's demo app runs). */
function gunicornPython(python: string | undefined): string | undefined {
  return python ?? (existsSync(DEBIAN_PYTHON) ? DEBIAN_PYTHON : findExecutable('python3'));
}

export function readGunicornConfig(path: string, python: string | undefined, cwd: string): FileSettings | undefined {
  const interpreter = gunicornPython(python);
  if (!interpreter) return undefined;
  const key = [interpreter, path, cwd, statSync(path).mtimeMs].join('\0');
  if (read.has(key)) return read.get(key);
  const result = spawnSync(interpreter, ['-c', READ_GUNICORN_CONFIG, path], { cwd, encoding: 'utf8', timeout: 30_000 });
  let settings: FileSettings | undefined;
  if (result.status === 0) settings = JSON.parse(result.stdout) as FileSettings;
  else if (/No module named '?gunicorn/.test(result.stderr)) settings = undefined;
  else {
    const said = result.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? result.error?.message ?? `exit ${result.status}`;
    throw new UsageError(`${path}: gunicorn cannot read it: ${said}`);
  }
  read.set(key, settings);
  return settings;
}

/** Worker class names gunicorn takes for the same class: "gthread", "gunicorn.workers.gthread.ThreadWorker", "egg:gunicorn#gthread". */
const WORKER_CLASS_PATHS: Record<string, string> = {
  'gunicorn.workers.sync.SyncWorker': 'sync',
  'gunicorn.workers.gthread.ThreadWorker': 'gthread',
  'gunicorn.workers.ggevent.GeventWorker': 'gevent',
};

function workerClassName(value: string): string {
  const name = value.replace(/^egg:gunicorn#/, '');
  return WORKER_CLASS_PATHS[name] ?? name;
}

const positive = (value: SettingValue | undefined) => (typeof value === 'number' && value > 0 ? value : undefined);

/** gunicorn's config file (gunicorn.conf.py), for a kind with this worker class. */
export function gunicornConfigFile(workerClass: string): ConfigFileSupport {
  return {
    fileName: 'gunicorn.conf.py',
    flags: ['-c', '--config'],
    readUnasked: 'gunicorn.conf.py',
    read: readGunicornConfig,
    decides: ({ sets }, kind) => {
      const fileClass = typeof sets.worker_class === 'string' ? workerClassName(sets.worker_class) : undefined;
      if (fileClass !== undefined && fileClass !== workerClass) {
        throw new Error(`it sets worker_class = ${sets.worker_class}, and ${kind.name} runs ${workerClass} workers; use the kind of that worker class, or remove worker_class from the file`);
      }
      const threads = positive(sets.threads);
      if (threads !== undefined && threads > 1 && !takesThreads(kind) && workerClass === 'sync') {
        throw new Error(`it sets threads = ${threads}, which turns gunicorn's sync workers into gthread ones; use kind gunicorn-gthread`);
      }
      return {
        ...(positive(sets.workers) !== undefined && { workers: positive(sets.workers) }),
        ...(takesThreads(kind) && threads !== undefined && { threads }),
        ...(typeof sets.preload_app === 'boolean' && { preload: sets.preload_app }),
      };
    },
  };
}

/**
 * uwsgi.ini's [uwsgi] section, as uWSGI reads it: `key = value` lines, "_" and "-" alike in keys,
 * a key given twice kept in order (uWSGI takes a list option each time, and the last of any other).
 */
export function readUwsgiIni(path: string): FileSettings {
  const sets: Record<string, SettingValue> = {};
  let section = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (section !== 'uwsgi' || !pair) continue;
    const key = pair[1]!.replaceAll('_', '-');
    const earlier = sets[key];
    sets[key] = earlier === undefined ? pair[2]! : [...[earlier].flat().map(String), pair[2]!];
  }
  return { sets, byNameOnly: [] };
}

/** The last value of an ini key given once or more. */
const last = (value: SettingValue | undefined) => (Array.isArray(value) ? value.at(-1) : value);
const truthy = (value: SettingValue | undefined) => ['true', '1', 'yes', 'on', ''].includes(String(last(value)).toLowerCase());

/** uWSGI's options that bench reconciles with the file rather than refusing (W, T, preload). */
const UWSGI_DECIDED = new Set(['processes', 'workers', 'p', 'threads', 'lazy-apps', 'lazy']);

export const uwsgiConfigFile: ConfigFileSupport = {
  fileName: 'uwsgi.ini',
  flags: ['--ini'],
  read: (path) => readUwsgiIni(path),
  decides: ({ sets }, kind) => {
    for (const key of Object.keys(sets)) {
      const why = UWSGI_DECIDED.has(key) ? undefined : kind.args?.forbidden?.[`--${key}`];
      if (why) throw new Error(`it sets ${key}, and ${why}; remove it from the file`);
    }
    const workers = Number(last(sets.processes ?? sets.workers ?? sets.p));
    const threads = Number(last(sets.threads));
    const lazy = sets['lazy-apps'] ?? sets.lazy;
    return {
      ...(workers > 0 && { workers }),
      ...(threads > 0 && { threads }),
      ...(lazy !== undefined && { preload: !truthy(lazy) }),
    };
  },
};
