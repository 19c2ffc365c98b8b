import { UsageError } from '../cli/errors.js';

/**
 * One argument as supervisord reads it back: it splits `command=` with Python's shlex (no shell
 * runs it), so arguments with other characters go in single quotes. It expands `%(name)s` in the
 * whole line first, so `%` is doubled; and " ;" would start a comment, so it is refused.
 */
export function supervisorArg(arg: string): string {
  if (/[\r\n]|\s[;#]/.test(arg)) throw new UsageError(`${JSON.stringify(arg)} cannot be written as one argument of a supervisord command`);
  const quoted = /^[A-Za-z0-9_\-+=.,/:@]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'"'"'`)}'`;
  return quoted.replaceAll('%', '%%');
}

/** A `[program:NAME]` block: what bench runs under supervisord, and what `bench export` writes for a server. */
export interface ProgramBlock {
  name: string;
  /** The server's command line, program first. */
  command: string[];
  /** The folder it starts in (the server imports the app from it). */
  directory?: string;
  /** environment=: the export's measured env: only; bench's own run passes the environment through supervisord's, never its file (the file is recorded in every row). */
  environment?: Record<string, string>;
  /** The signal that stops the server gracefully (supervisord's name: TERM, INT, QUIT). */
  stopSignal: string;
  stdoutLog: string;
  stderrLog: string;
  /** bench's run: seconds a start must last to count (startsecs), and the grace before SIGKILL (stopwaitsecs); absent: supervisord's defaults. */
  timing?: { startsecs: number; startretries: number; stopwaitsecs: number };
}

/** bench's timing under `manager: supervisord`: a start counts after 1 s (a restart is back that soon), three retries, 2 s for a graceful stop. */
export const BENCH_TIMING = { startsecs: 1, startretries: 3, stopwaitsecs: 2 } as const;

/** supervisord's environment=KEY="value",…: values quoted, `%` doubled. */
function environmentLine(env: Record<string, string>): string[] {
  const entries = Object.entries(env);
  if (entries.length === 0) return [];
  for (const [name, value] of entries) {
    if (/["\r\n\\]/.test(value)) throw new UsageError(`env ${name}: its value cannot be written into a supervisord environment= line (it holds a quote, a backslash or a line break)`);
  }
  return ['; measured: the deployment\'s env:', `environment=${entries.map(([name, value]) => `${name}="${value.replaceAll('%', '%%')}"`).join(',')}`];
}

/** The one writer of a `[program:]` block: the conf bench runs a server under and the file `bench export` writes come from it. */
export function programBlock(p: ProgramBlock): string[] {
  return [
    `[program:${p.name}]`,
    `command=${p.command.map(supervisorArg).join(' ')}`,
    ...(p.directory ? ['; the server imports the app from the folder it starts in', `directory=${p.directory.replaceAll('%', '%%')}`] : []),
    ...(p.environment ? environmentLine(p.environment) : []),
    'autostart=true',
    '; a crashed server is started again: what `manager: supervisord` in a bench scenario measures',
    'autorestart=true',
    ...(p.timing
      ? [
          '; a start counts once it has lasted this long; a server that keeps dying sooner ends FATAL',
          `startsecs=${p.timing.startsecs}`,
          `startretries=${p.timing.startretries}`,
          `stopwaitsecs=${p.timing.stopwaitsecs}`,
        ]
      : []),
    '; the signal that asks the server (the master of a pool) to stop its workers and exit',
    `stopsignal=${p.stopSignal}`,
    '; the signal goes to the whole process group, so no worker outlives its master',
    'stopasgroup=true',
    'killasgroup=true',
    `stdout_logfile=${supervisorArg(p.stdoutLog)}`,
    `stderr_logfile=${supervisorArg(p.stderrLog)}`,
  ];
}

/** Where bench's supervisord keeps everything: one private (0700) folder of the run. */
export interface SupervisordFiles {
  dir: string;
  conf: string;
  socket: string;
}

/**
 * supervisord.conf for one program, in the foreground (nodaemon: it stays in the process group
 * bench tears down), its control socket a Unix one in the private folder (0700): nothing that can
 * start programs listens on TCP. No environment in it: the file is recorded in every row.
 */
export function supervisordConf(files: SupervisordFiles, program: ProgramBlock): string {
  const at = (name: string) => supervisorArg(`${files.dir}/${name}`);
  return [
    '; written by bench for one deployment; supervisord runs in the foreground, in bench\'s process group',
    '[supervisord]',
    'nodaemon=true',
    `logfile=${at('supervisord.log')}`,
    `pidfile=${at('supervisord.pid')}`,
    `childlogdir=${supervisorArg(files.dir)}`,
    '',
    '; supervisorctl speaks to it on a Unix socket only its owner can open: never an inet_http_server',
    '[unix_http_server]',
    `file=${supervisorArg(files.socket)}`,
    'chmod=0700',
    '',
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '',
    '[supervisorctl]',
    `serverurl=unix://${supervisorArg(files.socket)}`,
    '',
    ...programBlock(program),
    '',
  ].join('\n');
}
