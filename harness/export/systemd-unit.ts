import { UsageError } from '../cli/errors.js';
import { header } from './provenance.js';
import type { ExportTarget } from './target.js';

/**
 * One argument of ExecStart: systemd splits the line itself (no shell), honouring double quotes
 * and backslash escapes, and expands `%` specifiers and `$` variables, which are doubled.
 */
function systemdArg(arg: string): string {
  if (/[\r\n]/.test(arg)) throw new UsageError(`${JSON.stringify(arg)} cannot be written as one argument of a systemd ExecStart`);
  const escaped = arg.replaceAll('%', '%%').replaceAll('$', '$$');
  return /^[A-Za-z0-9_\-+=.,/:@%$]+$/.test(escaped) ? escaped : `"${escaped.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One Environment= assignment, quoted: systemd expands `%` specifiers there, not `$` variables. */
function systemdEnvironment(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new UsageError(`env ${name}: its value cannot be written into a systemd Environment= line (it holds a line break)`);
  return `"${`${name}=${value}`.replaceAll('%', '%%').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export const unitFileName = (t: ExportTarget) => `${t.name}.service`;

/** NAME.service for /etc/systemd/system: the same program under systemd. */
export function systemdUnit(t: ExportTarget): string {
  return [
    header(t.m, `systemd unit for ${t.name}`, '#'),
    '# Use this or the supervisord program, not both.',
    '',
    '[Unit]',
    `Description=${t.name}: ${t.m.row.deployment}, exported by bench`,
    'After=network.target',
    '',
    '[Service]',
    `ExecStart=${t.command.map(systemdArg).join(' ')}`,
    ...(t.workingDirectory ? ['# the server imports the app from the folder it starts in', `WorkingDirectory=${t.workingDirectory.replaceAll('%', '%%')}`] : []),
    ...Object.entries(t.env).flatMap(([name, value], i) => [
      ...(i === 0 ? ["# measured: the deployment's env:"] : []),
      `Environment=${systemdEnvironment(name, value)}`,
    ]),
    '# a crashed master is started again (supervisord\'s autorestart)',
    'Restart=always',
    'RestartSec=1',
    '# TERM to the master, then the whole control group: no worker outlives it',
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    '# Runs as root unless you uncomment:',
    '# User=www-data',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
