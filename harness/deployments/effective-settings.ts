import { execFile } from 'node:child_process';
import type { SpawnPlan } from '../process/group.js';
import type { EffectiveSettings, SettingValue } from '../results/types.js';
import { gunicornOptions, INTEGER_SETTINGS, settingOfFlag } from './gunicorn-flags.js';
import type { DeploymentSpec } from './kind.js';

/**
 * The gunicorn settings every row records, set or not: what the model (W, T, the worker class),
 * the proxy in front (timeouts, keep-alive) and an export need.
 */
const GUNICORN_RECORDED = [
  'workers', 'threads', 'worker_class', 'worker_connections', 'timeout', 'graceful_timeout', 'keepalive', 'backlog',
  'max_requests', 'max_requests_jitter', 'preload_app', 'bind', 'limit_request_line', 'limit_request_fields', 'limit_request_field_size',
];

/** Set by --print-config itself, or where it says nothing of the server: never recorded. */
const NOT_RECORDED = new Set(['print_config', 'check_config', 'config']);

/** One value as gunicorn's --print-config prints it (str() of the setting): 60, True, None, ['127.0.0.1:8000'], gthread. */
function printedValue(setting: string, text: string): SettingValue {
  if (INTEGER_SETTINGS.has(setting) && /^\d+$/.test(text)) return Number(text);
  if (text === 'True' || text === 'False') return text === 'True';
  if (text === 'None') return null;
  if (text.startsWith('[') && text.endsWith(']')) {
    return [...text.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? m[2]!).replace(/\\(.)/g, '$1'));
  }
  return text;
}

/** gunicorn --print-config's output: one `name = value` line per setting, names padded to one column. */
export function parsePrintConfig(output: string): Record<string, SettingValue> {
  const settings: Record<string, SettingValue> = {};
  for (const line of output.split('\n')) {
    const m = /^([a-z_]+)\s+= ?(.*)$/.exec(line);
    if (m) settings[m[1]!] = printedValue(m[1]!, m[2]!);
  }
  return settings;
}

/** The settings a gunicorn command line names, by setting name (flags gunicorn does not have are left to it to refuse). */
function namedOnCommandLine(args: readonly string[]): string[] {
  const start = args.indexOf('gunicorn') + 1;
  return gunicornOptions(args.slice(start)).options.flatMap((o) => settingOfFlag(o.flag) ?? []);
}

/**
 * gunicorn's own account of what it will run with: the same program, arguments, folder and
 * environment as the server, plus --print-config, which prints the settings once the config file
 * and every flag are applied (and imports the app, as the server does, before it exits).
 */
export async function gunicornEffectiveSettings(plan: SpawnPlan, spec: DeploymentSpec): Promise<EffectiveSettings> {
  const output = await new Promise<string>((done, fail) =>
    execFile(plan.command, [...plan.args, '--print-config'], { cwd: plan.cwd, env: plan.env, timeout: 60_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) =>
      err ? fail(new Error(`gunicorn --print-config failed: ${stderr.trim().split('\n').slice(-3).join(' ') || err.message}`)) : done(stdout),
    ),
  );
  const printed = parsePrintConfig(output);
  const wanted = new Set([...GUNICORN_RECORDED, ...namedOnCommandLine(plan.args), ...Object.keys(spec.config?.sets ?? {})]);
  const settings: Record<string, SettingValue> = {};
  for (const name of wanted) if (!NOT_RECORDED.has(name) && name in printed) settings[name] = printed[name]!;
  return {
    source: 'gunicorn --print-config',
    readBack: true,
    ...(spec.config && { configFile: { path: spec.config.path, from: spec.config.from } }),
    settings,
    ...(spec.config && spec.config.byNameOnly.length > 0 && { code: spec.config.byNameOnly }),
  };
}

/**
 * uWSGI prints no settings of its own, so these are what it was given: the ini file's, then the
 * command line's in order (uWSGI applies them in that order, the later over the earlier; an option
 * given several times is kept as a list, as uWSGI keeps list options).
 */
export async function uwsgiEffectiveSettings(plan: SpawnPlan, spec: DeploymentSpec): Promise<EffectiveSettings> {
  const settings: Record<string, SettingValue> = { ...spec.config?.sets };
  const given = new Set<string>();
  const args = plan.args;
  for (let i = 0; i < args.length; i++) {
    if (!args[i]!.startsWith('-')) continue;
    const key = args[i]!.replace(/^-+/, '');
    const value = args[i + 1] === undefined || args[i + 1]!.startsWith('-') ? 'true' : args[++i]!;
    if (key === 'ini') continue;
    // The file's value is replaced by the command line's; the command line's own repeats add up.
    const earlier = given.has(key) ? settings[key] : undefined;
    settings[key] = earlier === undefined || earlier === value ? value : [...[earlier].flat().map(String), value];
    given.add(key);
  }
  return {
    source: `${spec.config ? 'uwsgi.ini and ' : ''}the command line bench passed (uWSGI cannot print the settings it runs with)`,
    readBack: false,
    ...(spec.config && { configFile: { path: spec.config.path, from: spec.config.from } }),
    settings,
  };
}

/**
 * A Python server's settings as its own parser reads them, for servers that cannot print them
 * (uvicorn, hypercorn, daphne, waitress): the plan's interpreter runs `reader` (a `-c` script or a
 * file, with its own arguments) in place of `-m server`, on the arguments the server would get, and
 * the reader prints the settings as JSON on its last line.
 */
export async function settingsReadBy(plan: SpawnPlan, server: string, reader: string[]): Promise<Record<string, SettingValue>> {
  const m = plan.args.indexOf('-m');
  if (m < 0 || plan.args[m + 1] !== server) throw new Error(`not a python -m ${server} command line: ${plan.args.join(' ')}`);
  const args = [...plan.args.slice(0, m), ...reader, ...plan.args.slice(m + 2)];
  const output = await new Promise<string>((done, fail) =>
    execFile(plan.command, args, { cwd: plan.cwd, env: plan.env, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? fail(new Error(`reading ${server}'s settings failed: ${stderr.trim().split('\n').slice(-3).join(' ') || err.message}`)) : done(stdout),
    ),
  );
  return JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, SettingValue>;
}
