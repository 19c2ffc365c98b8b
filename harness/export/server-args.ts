import { basename } from 'node:path';
import { gunicornOptions } from '../deployments/gunicorn-flags.js';

/** One option of a measured command line: `--workers 2` is { flag: '--workers', value: '2' }; `--master` has no value. */
export interface MeasuredOption {
  flag: string;
  value?: string;
}

/** A server's command line (ResultRow.serverArgs) taken apart: how the program was started, its options, and the rest. */
export interface MeasuredCommand {
  /** What runs the server: ["/usr/bin/python3", "-u", "-m", "gunicorn"] or ["/usr/bin/uwsgi"]. */
  program: string[];
  options: MeasuredOption[];
  /** Arguments that are not options: gunicorn's APP_MODULE. */
  positionals: string[];
}

/** gunicorn's command line, started as `python -m gunicorn …` (as bench does) or as the gunicorn script. */
export function parseGunicorn(args: readonly string[]): MeasuredCommand {
  const m = args.indexOf('-m');
  const start = m >= 0 && args[m + 1] === 'gunicorn' ? m + 2 : basename(args[0] ?? '').startsWith('gunicorn') ? 1 : -1;
  if (start < 0) throw new Error(`not a gunicorn command line: ${args.join(' ')}`);
  return { program: args.slice(0, start), ...gunicornOptions(args.slice(start)) };
}

/**
 * uWSGI's command line. Its values never start with "-", so an option followed by another option
 * (or nothing) is a switch: `--master` is `master = true` in an ini file.
 */
export function parseUwsgi(args: readonly string[]): MeasuredCommand {
  if (!basename(args[0] ?? '').startsWith('uwsgi')) throw new Error(`not a uWSGI command line: ${args.join(' ')}`);
  const options: MeasuredOption[] = [];
  const positionals: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (!arg.startsWith('-')) positionals.push(arg);
    else if (next === undefined || next.startsWith('-')) options.push({ flag: arg });
    else options.push({ flag: arg, value: args[++i] });
  }
  return { program: args.slice(0, 1), options, positionals };
}

/**
 * A server bench starts as `python -m MODULE [options] APP` (hypercorn, daphne): the app is the
 * last argument, and an option followed by another option (or the app) is a switch (`--debug`).
 */
export function parseModuleCommand(args: readonly string[], module: string): MeasuredCommand {
  const m = args.indexOf('-m');
  if (m < 0 || args[m + 1] !== module) throw new Error(`not a ${module} command line: ${args.join(' ')}`);
  const options: MeasuredOption[] = [];
  const last = args.length - 1;
  for (let i = m + 2; i < last; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg.includes('=') && arg.startsWith('--')) options.push({ flag: arg.slice(0, arg.indexOf('=')), value: arg.slice(arg.indexOf('=') + 1) });
    else if (i + 1 === last || next!.startsWith('-')) options.push({ flag: arg });
    else options.push({ flag: arg, value: args[++i] });
  }
  return { program: args.slice(0, m + 2), options, positionals: args.slice(last) };
}

/** How an option reads on the command line, for comments: "--workers 2". */
export function optionText(option: MeasuredOption): string {
  return option.value === undefined ? option.flag : `${option.flag} ${option.value}`;
}
