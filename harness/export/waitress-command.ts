import { addressText, type Address } from './address.js';
import type { MeasuredOption } from './server-args.js';

/** Where waitress listens: bench export sets it from --bind. */
const LISTENING = new Set(['--listen', '--host', '--port', '--unix-socket']);

/**
 * waitress's command line as exported: it has no config file, so every measured setting is on the
 * command line supervisord or systemd starts, with the address from --bind and the app (imported
 * from the working folder, which waitress puts on sys.path) last. waitress reads long options only
 * (getopt), so each is written as --name=value.
 */
export function waitressCommand(program: string[], options: MeasuredOption[], bind: Address, app: string): string[] {
  const listen = bind.kind === 'unix' ? `--unix-socket=${bind.path}` : `--listen=${addressText(bind, '')}`;
  const kept = options.filter((o) => !LISTENING.has(o.flag)).map((o) => (o.value === undefined ? o.flag : `${o.flag}=${o.value}`));
  return [...program, listen, ...kept, app];
}
