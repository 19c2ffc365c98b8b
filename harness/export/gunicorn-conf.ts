import { header, measuredFigures } from './provenance.js';
import { optionText, type MeasuredOption } from './server-args.js';
import { addressText, type ExportTarget } from './target.js';

/** gunicorn's command-line flags whose setting name is not the flag with "-" made "_". */
const SETTING_OF_FLAG: Record<string, string> = {
  '-b': 'bind', '-w': 'workers', '-k': 'worker_class', '-t': 'timeout', '-n': 'proc_name', '--name': 'proc_name',
  '--log-level': 'loglevel', '--keep-alive': 'keepalive', '--access-logfile': 'accesslog', '--error-logfile': 'errorlog',
  '--log-file': 'errorlog', '--access-logformat': 'access_log_format', '--log-config': 'logconfig', '--log-syslog': 'syslog',
  '--log-syslog-to': 'syslog_addr', '--log-syslog-prefix': 'syslog_prefix', '--log-syslog-facility': 'syslog_facility',
  '--no-sendfile': 'sendfile', '-D': 'daemon', '-R': 'enable_stdio_inheritance', '-e': 'raw_env', '--env': 'raw_env',
  '--preload': 'preload_app', '-p': 'pidfile', '--pid': 'pidfile', '-u': 'user', '-g': 'group', '-m': 'umask',
  '--proxy-allow-from': 'proxy_allow_ips', '--forwarded-allow-ips': 'forwarded_allow_ips', '--reload-extra-file': 'reload_extra_files',
  '--worker-tmp-dir': 'worker_tmp_dir', '--max-requests': 'max_requests', '--paste': 'paste', '--statsd-host': 'statsd_host',
};

/** Settings gunicorn reads as whole numbers; every other value is a string. */
const INTEGER_SETTINGS = new Set([
  'workers', 'threads', 'worker_connections', 'timeout', 'graceful_timeout', 'keepalive', 'backlog', 'max_requests',
  'max_requests_jitter', 'limit_request_line', 'limit_request_fields', 'limit_request_field_size',
]);

/** Set on the command line and in the config by bench export itself, so not copied from the measured one. */
const REPLACED = new Set(['bind', 'chdir', 'config', 'daemon']);

/** Settings that may be given several times and are lists in the config file. */
const LIST_SETTINGS = new Set(['raw_env', 'reload_extra_files']);

function settingName(flag: string): string {
  return SETTING_OF_FLAG[flag] ?? flag.replace(/^-+/, '').replaceAll('-', '_');
}

/** A Python literal: JSON's strings are Python's too. */
function pythonValue(setting: string, option: MeasuredOption): string {
  if (option.value === undefined) return setting === 'sendfile' ? 'False' : 'True';
  if (INTEGER_SETTINGS.has(setting) && /^\d+$/.test(option.value)) return option.value;
  return JSON.stringify(option.value);
}

/** gunicorn.conf.py: the measured command line's settings, one per line, each with the measurement it came from. */
export function gunicornConf(t: ExportTarget): string {
  const measured = `measured: ${measuredFigures(t.m)}`;
  const lines: string[] = [
    header(t.m, `gunicorn.conf.py for ${t.name} (${t.m.row.deployment})`, '#'),
    `# Start it with: ${t.command.join(' ')}`,
    '',
    `bind = ${JSON.stringify(addressText(t.bind, 'unix:'))}  # not measured: ${t.bindGiven ? 'bench export --bind' : "bench export's default"} (bench measured on a free loopback port)`,
  ];
  const lists = new Map<string, string[]>();
  for (const option of t.measured.options) {
    const setting = settingName(option.flag);
    if (REPLACED.has(setting)) continue;
    if (LIST_SETTINGS.has(setting)) {
      lists.set(setting, [...(lists.get(setting) ?? []), JSON.stringify(option.value ?? '')]);
      continue;
    }
    lines.push(`${setting} = ${pythonValue(setting, option)}  # ${optionText(option)}, ${measured}`);
  }
  for (const [setting, values] of lists) lines.push(`${setting} = [${values.join(', ')}]  # ${measured}`);
  if (!t.measured.options.some((o) => ['--timeout', '-t'].includes(o.flag))) {
    lines.push(`# timeout: gunicorn's default of ${t.workerTimeoutS} s, as measured (the command line did not set it)`);
  }
  lines.push(
    '',
    `# The app: ${t.app.from}.`,
    `chdir = ${JSON.stringify(t.app.dir)}`,
    `wsgi_app = ${JSON.stringify(t.app.wsgi)}`,
    '',
  );
  return lines.join('\n');
}
