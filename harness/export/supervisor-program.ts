import { join } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { header } from './provenance.js';
import type { ExportTarget } from './target.js';

/**
 * One argument as supervisord reads it back: it splits `command=` with Python's shlex (no shell
 * runs it), so arguments with other characters go in single quotes. It expands `%(name)s` in the
 * whole line first, so `%` is doubled; and " ;" would start a comment, so it is refused.
 */
function supervisorArg(arg: string): string {
  if (/[\r\n]|\s[;#]/.test(arg)) throw new UsageError(`${JSON.stringify(arg)} cannot be written as one argument of a supervisord command`);
  const quoted = /^[A-Za-z0-9_\-+=.,/:@]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'"'"'`)}'`;
  return quoted.replaceAll('%', '%%');
}

/** supervisord's environment=KEY="value",…: the measured env:, values quoted, `%` doubled. */
function environmentLine(t: ExportTarget): string[] {
  const entries = Object.entries(t.env);
  if (entries.length === 0) return [];
  for (const [name, value] of entries) {
    if (/["\r\n\\]/.test(value)) throw new UsageError(`env ${name}: its value cannot be written into a supervisord environment= line (it holds a quote, a backslash or a line break)`);
  }
  return [
    '; measured: the deployment\'s env:',
    `environment=${entries.map(([name, value]) => `${name}="${value.replaceAll('%', '%%')}"`).join(',')}`,
  ];
}

export const supervisorFileName = (t: ExportTarget) => `supervisor-${t.name}.conf`;
export const logFiles = (t: ExportTarget) => ({ out: join(t.logDir, `${t.name}.out.log`), err: join(t.logDir, `${t.name}.err.log`) });

/** supervisor-NAME.conf for /etc/supervisor/conf.d: the app server as one supervised program. */
export function supervisorProgram(t: ExportTarget): string {
  const logs = logFiles(t);
  return [
    header(t.m, `supervisord program for ${t.name}`, ';'),
    '; Use this or the systemd unit, not both.',
    '',
    `[program:${t.name}]`,
    `command=${t.command.map(supervisorArg).join(' ')}`,
    ...(t.workingDirectory ? ['; the server imports the app from the folder it starts in', `directory=${t.workingDirectory.replaceAll('%', '%%')}`] : []),
    ...environmentLine(t),
    'autostart=true',
    '; a crashed master is started again, as `supervise: true` in a bench scenario measures',
    'autorestart=true',
    // TERM is a graceful stop for gunicorn's arbiter, uWSGI's master (die-on-term), hypercorn and daphne.
    '; TERM: the server stops its workers, or its event loop, and exits',
    'stopsignal=TERM',
    '; the signal goes to the whole process group, so no worker outlives its master',
    'stopasgroup=true',
    'killasgroup=true',
    `stdout_logfile=${supervisorArg(logs.out)}`,
    `stderr_logfile=${supervisorArg(logs.err)}`,
    '; Runs as supervisord\'s user (root on most servers); to run as an unprivileged user, uncomment:',
    '; user=www-data',
    '',
  ].join('\n');
}
