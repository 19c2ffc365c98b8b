import { describeConfigFile } from '../deployments/config-file.js';
import { UsageError } from '../cli/errors.js';
import { header, measuredFigures } from './provenance.js';
import { optionText, type MeasuredOption } from './server-args.js';
import { addressText } from './address.js';
import type { ExportTarget } from './target.js';

/** Where the server listens: bench export sets it from --bind. */
const LISTENING = new Set(['--socket', '-s', '--uwsgi-socket', '--http-socket', '--http', '--ini']);
/** Which app runs: from settings.app when the run had one, else as measured. */
const APP = new Set(['--chdir', '--wsgi-file', '--callable', '--module', '-w']);

/**
 * A value as an ini line can hold it. uWSGI expands `%x` magic variables and `$(…)`, `@(…)` in
 * config files with no escape, so a value holding them would change meaning; refused instead.
 */
function iniValue(option: MeasuredOption): string {
  const value = option.value ?? 'true';
  if (/%|[$@]\(/.test(value)) throw new UsageError(`${optionText(option)}: uWSGI would expand "%", "$(" or "@(" in an ini file; this row cannot be exported as uwsgi.ini`);
  if (/[\r\n]/.test(value)) throw new UsageError(`${optionText(option)}: a value on several lines cannot go in an ini file`);
  return value;
}

const line = (option: MeasuredOption) => `${iniKey(option.flag)} = ${iniValue(option)}`;

/** An ini key is an option's long name: uWSGI's ini files take no short ones ("-M"), so one is refused rather than written as "M". */
function iniKey(flag: string): string {
  const key = flag.replace(/^-+/, '');
  if (!flag.startsWith('--') || key.length === 1) {
    throw new UsageError(`${flag}: uWSGI's ini files take options by their long names only; write it as its long name in args: (uwsgi --help lists them) and measure again`);
  }
  return key;
}

/** The measured options as ini lines: the effective settings (the ini's, then the command line's) where the row has them. */
function measuredOptions(t: ExportTarget): MeasuredOption[] {
  const effective = t.m.row.effectiveSettings;
  if (!effective) {
    const ini = t.measured.options.find((o) => o.flag === '--ini');
    if (ini) throw new UsageError(`${t.m.row.deployment} ran with ${optionText(ini)}, whose settings this row does not record (an older bench); run it again to export it`);
    return t.measured.options;
  }
  return Object.entries(effective.settings).flatMap(([key, value]) =>
    [value].flat().map((v) => ({ flag: `--${key}`, ...(v !== 'true' && { value: String(v) }) })),
  );
}

/** uwsgi.ini: the measured command line's options, one per line, each under the measurement it came from. */
export function uwsgiIni(t: ExportTarget): string {
  const measured = `; measured: ${measuredFigures(t.m)}`;
  const listen = addressText(t.bind, '');
  if (t.bind.kind === 'unix' && listen.includes(':')) throw new UsageError(`--bind ${listen}: uWSGI takes a socket name with ":" for HOST:PORT`);
  const bindKey = t.protocol === 'uwsgi' ? 'socket' : 'http-socket';
  const configFile = t.m.row.effectiveSettings?.configFile;
  const lines: string[] = [
    header(t.m, `uwsgi.ini for ${t.name} (${t.m.row.deployment})`, ';'),
    `; Start it with: ${t.command.join(' ')}`,
    ...(configFile ? [`; Measured with ${describeConfigFile(configFile)}: its settings are below, with the command line's over them.`] : []),
    '[uwsgi]',
    `; not measured: ${t.bindGiven ? 'bench export --bind' : "bench export's default"} (bench measured on a private socket or a free loopback port);`,
    t.protocol === 'uwsgi'
      ? '; nginx speaks the uwsgi protocol to it (uwsgi_pass), as measured. If nginx runs as another user, let it write here: chmod-socket = 660 and chown-socket = USER:www-data'
      : '; plain HTTP (http-socket), as measured',
    `${bindKey} = ${listen}`,
  ];
  const options = measuredOptions(t);
  for (const option of options) {
    if (LISTENING.has(option.flag) || APP.has(option.flag)) continue;
    lines.push(`${measured} (${optionText(option)})`, line(option));
  }
  if (t.workerTimeoutS === null) lines.push('; no harakiri, as measured: uWSGI never kills a slow worker');
  lines.push('', `; The app: ${t.app.from}.`);
  const measuredApp = options.filter((o) => APP.has(o.flag));
  if (t.app.python === undefined && measuredApp.length > 0) lines.push(...measuredApp.map(line));
  else {
    // uWSGI runs its python3 plugin's interpreter, whatever the run's app named; a virtualenv is set with home =.
    if (t.app.python) lines.push(`; the run's app ran on ${t.app.python}; uWSGI runs its python3 plugin's interpreter (set home = for a virtualenv)`);
    lines.push(`chdir = ${iniValue({ flag: '--chdir', value: t.app.dir })}`, `module = ${iniValue({ flag: '--module', value: t.app.target })}`);
  }
  lines.push('');
  return lines.join('\n');
}
