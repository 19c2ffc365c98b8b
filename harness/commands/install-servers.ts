import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { EXIT, UsageError } from '../cli/errors.js';
import { onStopSignals } from '../process/registry.js';
import { dirname, join } from 'node:path';
import { findExecutable, forever, installedNpmVersion, nodeToolsDir, pm2, type Software } from '../software/catalog.js';
import { stackPackages } from '../deployments/stack-packages.js';
import { isExecutable } from '../files/file-kind.js';

/** The npm programs bench installs into its own folder, never as its own dependencies: Node's process managers. */
const NODE_TOOLS: readonly Software[] = [pm2, forever];

/** The npm that came with the node running bench, else the one on PATH. */
function findNpm(): string | undefined {
  const beside = join(dirname(process.execPath), 'npm');
  return isExecutable(beside) ? beside : findExecutable('npm');
}

/**
 * The npm command that installs the pinned Node tools `dir` lacks (or holds at another version),
 * or undefined when it has them all: a folder of bench's own, so that `npm ci` stays as lean as it
 * is and nothing touches the user's global packages.
 */
export function npmCommand(npm: string, dir: string, tools: readonly Software[] = NODE_TOOLS): string[] | undefined {
  const wanted = tools.flatMap((t) => (t.npm && installedNpmVersion(dir, t.npm.package) !== t.npm.version ? [`${t.npm.package}@${t.npm.version}`] : []));
  return wanted.length > 0 ? [npm, 'install', '--prefix', dir, '--no-audit', '--no-fund', '--omit=dev', ...wanted] : undefined;
}

/**
 * The apt-get commands that install the whole stack: refresh the package lists, then install with
 * no questions (DEBIAN_FRONTEND: a package such as tzdata would otherwise stop at a debconf
 * prompt) and without recommended extras. Through sudo unless bench runs as root.
 */
export function aptCommands(root: boolean): string[][] {
  const install = ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...stackPackages()];
  return root ? [['apt-get', 'update', '-q'], ['env', ...install]] : [['sudo', 'apt-get', 'update', '-q'], ['sudo', ...install]];
}

/**
 * `bench install-servers [--yes] [--npm-only]`: installs from Debian's (or Ubuntu's) packages every
 * server bench deploys and the tools around them, and pm2 and forever, pinned, with npm into
 * bench's node-tools folder (as the current user, never through sudo). Nothing is started or
 * enabled: bench runs each one itself, as the current user, when it needs it. It prints the
 * commands first and asks, unless --yes; where it cannot run them (no apt-get; not root and no
 * sudo) it only prints them. --npm-only: the npm step alone.
 * Exit codes: 0 installed, 1 a command failed or cannot run here, 2 not confirmed, 130 interrupted.
 */
export async function installServersCommand(flags: { yes?: boolean; npmOnly?: boolean }): Promise<number> {
  const root = process.getuid?.() === 0;
  const dir = nodeToolsDir();
  const npm = findNpm();
  const npmInstall = npm && npmCommand(npm, dir);
  if (!npm) process.stderr.write('bench: npm is not on this machine: pm2 and forever (the pm2, pm2-cluster and forever kinds) cannot be installed\n');
  else if (!npmInstall) process.stdout.write(`pm2 and forever are installed at bench's versions in ${dir}\n`);
  if (flags.npmOnly) return npmInstall ? runCommands([npmInstall], `Node's process managers, into ${dir} (BENCH_NODE_TOOLS chooses another folder)`, flags) : npm ? EXIT.ok : EXIT.runFailed;
  const commands = [...aptCommands(root), ...(npmInstall ? [npmInstall] : [])];
  return runCommands(commands, `The real servers bench deploys, and the tools around them, from Debian's packages, and Node's process managers into ${dir}`, flags);
}

async function runCommands(commands: string[][], what: string, flags: { yes?: boolean }): Promise<number> {
  const root = process.getuid?.() === 0;
  const shown = commands.map((argv) => argv.join(' ')).join(' && ');
  process.stdout.write(`${what} (nothing is started or enabled):\n  ${shown}\n`);
  const apt = commands.some((argv) => argv.includes('apt-get'));
  if (apt && !findExecutable('apt-get')) {
    process.stderr.write("bench: apt-get is not on this machine: bench installs Debian's or Ubuntu's packages; elsewhere, install the equivalents of the packages above\n");
    return EXIT.runFailed;
  }
  if (apt && !root && !findExecutable('sudo')) {
    process.stderr.write('bench: not root, and sudo is not installed: nothing was run; run the commands above as root\n');
    return EXIT.runFailed;
  }
  if (!flags.yes) await confirm();
  for (const argv of commands) {
    const status = await runAtTerminal(argv);
    if (status.signal) return EXIT.interrupted;
    if (status.code !== 0) {
      process.stderr.write(`bench: ${argv.join(' ')} failed with exit code ${status.code}; its output is above\n`);
      return EXIT.runFailed;
    }
  }
  process.stdout.write('Installed. bench doctor shows what this machine can run now.\n');
  return EXIT.ok;
}

async function confirm(): Promise<void> {
  // Nobody can answer in CI or a script: say what would do instead of waiting or going ahead.
  if (!process.stdin.isTTY) throw new UsageError('nothing installed: no terminal to ask at; pass --yes to run the commands above without asking');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question('Run them? [y/N] ');
  prompt.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError('nothing installed; pass --yes to run the commands without asking');
}

/**
 * One apt-get command on bench's own terminal, in the foreground (not a process group of its own,
 * unlike the servers): sudo may ask for a password there, and Ctrl-C reaches apt-get directly.
 * bench waits for it rather than dying first, so that its exit status is the command's.
 */
function runAtTerminal(argv: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, { stdio: 'inherit' });
  // Passed on too, for a signal sent to bench alone (Ctrl-C reaches both: apt-get takes a second one in its stride).
  const stopListening = onStopSignals((signal) => child.kill(signal));
  return new Promise((resolve) => {
    child.once('error', (err) => {
      stopListening();
      process.stderr.write(`bench: cannot run ${command}: ${err.message}\n`);
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => {
      stopListening();
      resolve({ code, signal });
    });
  });
}
