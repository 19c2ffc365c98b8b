import { UsageError } from '../errors.js';
import { header, measuredFigures } from './provenance.js';
import { optionText, type MeasuredOption } from './server-args.js';
import { addressText, type ExportTarget } from './target.js';

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

const line = (option: MeasuredOption) => `${option.flag.replace(/^-+/, '')} = ${iniValue(option)}`;

/** uwsgi.ini: the measured command line's options, one per line, each under the measurement it came from. */
export function uwsgiIni(t: ExportTarget): string {
  const measured = `; measured: ${measuredFigures(t.m)}`;
  const listen = addressText(t.bind, '');
  if (t.bind.kind === 'unix' && listen.includes(':')) throw new UsageError(`--bind ${listen}: uWSGI takes a socket name with ":" for HOST:PORT`);
  const bindKey = t.protocol === 'uwsgi' ? 'socket' : 'http-socket';
  const lines: string[] = [
    header(t.m, `uwsgi.ini for ${t.name} (${t.m.row.deployment})`, ';'),
    `; Start it with: ${t.command.join(' ')}`,
    '[uwsgi]',
    `; not measured: ${t.bindGiven ? 'bench export --bind' : "bench export's default"} (bench measured on a private socket or a free loopback port);`,
    t.protocol === 'uwsgi'
      ? '; nginx speaks the uwsgi protocol to it (uwsgi_pass), as measured. If nginx runs as another user, let it write here: chmod-socket = 660 and chown-socket = USER:www-data'
      : '; plain HTTP (http-socket), as measured',
    `${bindKey} = ${listen}`,
  ];
  for (const option of t.measured.options) {
    if (LISTENING.has(option.flag) || APP.has(option.flag)) continue;
    lines.push(`${measured} (${optionText(option)})`, line(option));
  }
  if (t.workerTimeoutS === null) lines.push('; no harakiri, as measured: uWSGI never kills a slow worker');
  lines.push('', `; The app: ${t.app.from}.`);
  const measuredApp = t.measured.options.filter((o) => APP.has(o.flag));
  if (t.app.python === undefined && measuredApp.length > 0) lines.push(...measuredApp.map(line));
  else {
    // uWSGI runs its python3 plugin's interpreter, whatever the run's app named; a virtualenv is set with home =.
    if (t.app.python) lines.push(`; the run's app ran on ${t.app.python}; uWSGI runs its python3 plugin's interpreter (set home = for a virtualenv)`);
    lines.push(`chdir = ${iniValue({ flag: '--chdir', value: t.app.dir })}`, `module = ${iniValue({ flag: '--module', value: t.app.wsgi })}`);
  }
  lines.push('');
  return lines.join('\n');
}
