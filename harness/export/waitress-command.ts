import type { MeasuredCommand, MeasuredOption } from './server-args.js';

/** Where waitress listens: bench export sets it from --bind. */
const LISTENING = new Set(['--listen', '--host', '--port', '--unix-socket']);

/**
 * waitress's command line as bench starts it: `python -u -m waitress --name=value … module:callable`.
 * waitress reads long options only (getopt), with the value after "=" or as the next argument; the
 * app is the last argument.
 */
export function parseWaitress(args: readonly string[]): MeasuredCommand {
  const m = args.indexOf('-m');
  if (m < 0 || args[m + 1] !== 'waitress') throw new Error(`not a waitress command line: ${args.join(' ')}`);
  const rest = args.slice(m + 2);
  const options: MeasuredOption[] = [];
  for (let i = 0; i < rest.length - 1; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf('=');
    if (eq > 0) options.push({ flag: arg.slice(0, eq), value: arg.slice(eq + 1) });
    else if (i + 1 < rest.length - 1 && !rest[i + 1]!.startsWith('-')) options.push({ flag: arg, value: rest[++i] });
    else options.push({ flag: arg });
  }
  return { program: args.slice(0, m + 2), options, positionals: rest.slice(-1) };
}

/**
 * The command supervisord or systemd starts: waitress has no config file, so every measured setting
 * is on it, with the address from --bind and the app (imported from the working folder, which
 * waitress puts on sys.path) last.
 */
export function waitressCommand(measured: MeasuredCommand, app: { wsgi: string; python?: string }, bind: { listen: string } | { unixSocket: string }): string[] {
  const program = app.python ? [app.python, '-m', 'waitress'] : measured.program;
  const listen = 'unixSocket' in bind ? `--unix-socket=${bind.unixSocket}` : `--listen=${bind.listen}`;
  const kept = measured.options.filter((o) => !LISTENING.has(o.flag)).map((o) => (o.value === undefined ? o.flag : `${o.flag}=${o.value}`));
  return [...program, listen, ...kept, app.wsgi];
}
