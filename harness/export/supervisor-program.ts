import { join } from 'node:path';
import { BENCH_TIMING, programBlock } from '../managers/supervisord-conf.js';
import { header } from './provenance.js';
import type { ExportTarget } from './target.js';

export const supervisorFileName = (t: ExportTarget) => `supervisor-${t.name}.conf`;
export const logFiles = (t: ExportTarget) => ({ out: join(t.logDir, `${t.name}.out.log`), err: join(t.logDir, `${t.name}.err.log`) });

/** supervisor-NAME.conf for /etc/supervisor/conf.d: the app server as one supervised program. */
export function supervisorProgram(t: ExportTarget): string {
  const logs = logFiles(t);
  return [
    header(t.m, `supervisord program for ${t.name}`, ';'),
    '; Use this or the systemd unit, not both.',
    '',
    ...programBlock({
      name: t.name,
      command: t.command,
      ...(t.workingDirectory && { directory: t.workingDirectory }),
      environment: t.env,
      // TERM is a graceful stop for gunicorn's arbiter, uWSGI's master (die-on-term), hypercorn and daphne.
      stopSignal: 'TERM',
      stdoutLog: logs.out,
      stderrLog: logs.err,
      // A row measured under supervisord ran with bench's timing: the same block, so that the restarts behave as measured.
      ...(t.m.row.manager === 'supervisord' && { timing: BENCH_TIMING }),
    }),
    '; Runs as supervisord\'s user (root on most servers); to run as an unprivileged user, uncomment:',
    '; user=www-data',
    '',
  ].join('\n');
}
