import type { MeasuredOption } from './server-args.js';
import type { Address } from './address.js';

/** Where daphne listens: bench export writes it from --bind, in place of the measured loopback port. */
const ADDRESS_FLAGS = new Set(['-b', '--bind', '-p', '--port', '-u', '--unix-socket', '--fd', '-e', '--endpoint']);

/**
 * daphne's command line as exported: it has no config file, so the measured options travel on the
 * command line itself (supervisord's command=, systemd's ExecStart=), with the address --bind gives.
 */
export function daphneCommand(program: string[], options: MeasuredOption[], bind: Address, app: string): string[] {
  const address = bind.kind === 'unix' ? ['-u', bind.path] : ['-b', bind.host.replace(/^\[(.*)\]$/, '$1'), '-p', String(bind.port)];
  const measured = options.filter((o) => !ADDRESS_FLAGS.has(o.flag)).flatMap((o) => (o.value === undefined ? [o.flag] : [o.flag, o.value]));
  return [...program, ...address, ...measured, app];
}
