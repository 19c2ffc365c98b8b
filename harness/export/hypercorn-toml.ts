import { UsageError } from '../cli/errors.js';
import type { SettingValue } from '../results/types.js';
import { header, measuredFigures } from './provenance.js';
import { optionText } from './server-args.js';
import { addressText } from './address.js';
import type { ExportTarget } from './target.js';

/** The settings hypercorn's flags set, by its Config's names, to cite the flag beside the value it gave. */
const SETTING_OF_FLAG: Readonly<Record<string, string>> = {
  '-w': 'workers', '--workers': 'workers', '-k': 'worker_class', '--worker-class': 'worker_class', '--keep-alive': 'keep_alive_timeout',
  '--backlog': 'backlog', '--graceful-timeout': 'graceful_timeout', '--read-timeout': 'read_timeout', '--access-logfile': 'accesslog',
  '--access-logformat': 'access_log_format', '--error-logfile': 'errorlog', '--log-file': 'errorlog', '--root-path': 'root_path',
  '--server-name': 'server_names', '--websocket-ping-interval': 'websocket_ping_interval', '--debug': 'debug',
  '--statsd-host': 'statsd_host', '--statsd-prefix': 'statsd_prefix', '--log-config': 'logconfig',
};

/** bench export sets these itself: the address from --bind; hypercorn's CLI sets the log level on every start, whatever the file says. */
const REPLACED = new Set(['bind', 'loglevel']);

/** A TOML value for a recorded setting: JSON's strings, numbers, booleans and arrays of strings are TOML's too. */
function tomlValue(value: Exclude<SettingValue, null>): string {
  return Array.isArray(value) ? `[${value.map((v) => JSON.stringify(v)).join(', ')}]` : JSON.stringify(value);
}

/** hypercorn.toml: the settings hypercorn resolved when it was measured, one per line, each with the measurement it came from. */
export function hypercornToml(t: ExportTarget): string {
  const effective = t.m.row.effectiveSettings;
  if (!effective) throw new UsageError(`${t.m.row.deployment}: this row does not record hypercorn's settings; run it again to export it`);
  const measured = `measured: ${measuredFigures(t.m)}`;
  const flags = new Map<string, string[]>();
  for (const option of t.measured.options) {
    const setting = SETTING_OF_FLAG[option.flag];
    if (setting) flags.set(setting, [...(flags.get(setting) ?? []), optionText(option)]);
  }
  const lines = [
    header(t.m, `hypercorn.toml for ${t.name} (${t.m.row.deployment})`, '#'),
    `# Start it in ${t.workingDirectory} (hypercorn imports the app from its working folder): ${t.command.join(' ')}`,
    '',
    `bind = ${tomlValue(addressText(t.bind, 'unix:'))}  # not measured: ${t.bindGiven ? 'bench export --bind' : "bench export's default"} (bench measured on a free loopback port)`,
  ];
  for (const [setting, value] of Object.entries(effective.settings)) {
    if (setting === 'loglevel' && value !== 'INFO') lines.push(`# loglevel ${JSON.stringify(value)} was measured: hypercorn takes it from --log-level only; add that to the command`);
    if (REPLACED.has(setting)) continue;
    const given = flags.get(setting)?.join(' ');
    const why = `${given ? `${given}; ` : ''}${effective.source}, ${measured}`;
    // TOML has no null: an unset setting stays out, so hypercorn keeps it unset.
    lines.push(value === null ? `# ${setting}: unset (None), as measured` : `${setting} = ${tomlValue(value)}  # ${why}`);
  }
  lines.push('', `# The app: ${t.app.from}; ${t.app.target}, given on the command line, imported from ${t.app.dir}.`, '');
  return lines.join('\n');
}
