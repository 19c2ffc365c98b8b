import { Command, CommanderError, Option } from 'commander';
import type { CompareOptions } from './commands/compare.js';
import type { InitFlags } from './commands/init.js';
import { DEFAULT_INIT_FILE } from './commands/shared/init-file.js';
import type { RunFlags } from './commands/run.js';
import type { ServeFlags } from './commands/serve.js';
import { serverHost, DEFAULT_SERVER_BENCH } from './plan/server-host.js';
import type { TuneFlags } from './commands/tune.js';
import { describeEnvironment } from './results/environment.js';
import { EXIT, RunError, UsageError } from './cli/errors.js';
import { outliveClosedOutput } from './process/closed-pipes.js';
import { faultLine } from './files/machine-faults.js';
import type { ExportOptions } from './export/target.js';
import { LIMITS } from './scenario/limits.js';
import { escapeControls } from './formatting/quote.js';
import * as parse from './cli/option-parsers.js';
import { parseSlo } from './tune/slo.js';
import { parseWorkerSizes } from './tune/sizes.js';
import { sweepLeftovers } from './process/leftovers.js';
import { installExitGuard } from './process/registry.js';
import { kindsTakingThreads } from './deployments/kinds.js';
import { EXPORTABLE_KINDS } from './export/choose.js';

// Each command's module is imported when that command runs: a `bench list` or `bench --help` does
// not load the run loop, the reports and the live page.
const program = new Command('bench')
  .description(
    'Start the same web app under different concurrency models, drive it with HTTP load, and chart ' +
      "what each one does against Little's law: K requests in flight, each waiting d seconds, top out at K/d req/s.",
  )
  .version(describeEnvironment().benchVersion)
  .addHelpText(
    'after',
    '\nExit codes: 0 done, 1 a deployment failed or the run broke, 2 bad flag or scenario, 130 interrupted.\n' +
      'Example: bench run blocking-vs-workers --quick',
  )
  .showSuggestionAfterError()
  // One line per error, suggestion included ("unknown option '--worker' (Did you mean --workers?)"),
  // with the control characters of a quoted argument escaped.
  .configureOutput({ outputError: (text, write) => write(`bench: ${escapeControls(text.trim().replace(/\n+/g, ' '))}\n`) })
  .exitOverride();

let exitCode: number = EXIT.ok;

/** The user's app instead of the demo, on `bench run` and `bench tune`. */
function withAppOptions(command: Command): Command {
  return command
    .option('--app <app>', 'measure your app instead of the demo: a WSGI module:callable, or a Node program FILE.js that listens on $HOST:$PORT')
    .option('--app-dir <dir>', 'the folder a WSGI app is imported from (default: the current folder)')
    .option('--python <path>', "the interpreter for a WSGI app (default: Debian's /usr/bin/python3)")
    .option('--health <path>', "your app's readiness path; it must answer 2xx (default /)", parse.path);
}

/** --generator and --placement: declared once, so that `bench run` and `bench tune` take them alike. */
function generatorOption(): Option {
  return new Option('--generator <engine>', 'load engine: builtin (npm only, open and closed loop), wrk (native, closed loop) or locust (a Locust master and workers)').choices([
    'builtin',
    'wrk',
    'locust',
  ]);
}

function placementOption(): Option {
  return new Option('--placement <mode>', 'separate: generator on its own core, deployments on the others (default); shared: all on every core').choices(['separate', 'shared']);
}

const run = program
  .command('run')
  .description('measure every deployment of a scenario and write results.json, charts and a summary table')
  .argument('[scenario]', 'a built-in scenario name (see bench list) or a path to a scenario file (optional with --app)')
  .option('--out <dir>', 'where results go (default: a new folder under results/)')
  .option('--duration <seconds>', 'length of each measured window', parse.limited(LIMITS.duration))
  .option('--warmup <seconds>', 'unrecorded load before each window', parse.limited(LIMITS.warmup))
  .option('--concurrency <list>', 'comma-separated client counts, e.g. 1,4,16,64', parse.limitedList(LIMITS.concurrency))
  .option('--workers <n>', 'pool size of pre-fork deployments (gunicorn, uWSGI, node-prefork, cgi)', parse.limited(LIMITS.workers))
  .option('--threads <n>', `threads per worker, for the kinds that take them (${kindsTakingThreads()})`, parse.limited(LIMITS.threads))
  .option('--path <path>', 'request path replacing the scenario\'s, e.g. /io?ms=37', parse.path)
  .option('--deployments <list>', 'comma-separated deployment kinds replacing the scenario\'s', parse.nameList)
  .option('--rate <list>', 'open loop: comma-separated offered loads in req/s, instead of fixed concurrency', parse.limitedList(LIMITS.rate))
  .option('--repeat <n>', 'measure every point N times, interleaved; rows report medians with min–max', parse.limited(LIMITS.repeat))
  .option('--timeline <deployment>', 'the deployment (label or kind) whose per-second timeline is charted first')
  .addOption(new Option('--quick', 'a first look: short windows and three load levels'))
  .option('--strict', 'fail (exit 1) when a deployment\'s software is missing, instead of skipping it, or when a Locust worker was lost or joined mid-window, instead of marking the point')
  .option('--force', 'replace the run an --out folder holds, or write into a non-empty folder')
  .option('--allow-remote', 'let load go to addresses other than 127.0.0.1/::1 (off: loopback only)')
  .addOption(generatorOption())
  .option('--locust-workers <n>', 'with --generator locust: Locust worker processes on this machine (default: one per core)', parse.wholeNumber(256))
  .option('--locust-remote-workers <n>', 'with --locust-master-bind: workers joining from other machines (bench locust-worker), which the run waits for', parse.wholeNumber(256))
  .option('--locust-master-bind <host:port>', 'with --generator locust: where the Locust master listens, so that workers on other machines can join (default 127.0.0.1 and a free port)', parse.hostPort)
  .addOption(placementOption())
  .option('--yes', 'start a run planned to last more than an hour without asking')
  .option('--max-connections <n>', 'open loop: the most connections the generator may open at once (default 1000)', parse.limited(LIMITS.maxConnections))
  .option('--server-host <user@host>', 'start the deployments on that machine over ssh (your keys and ssh config; bench must be installed there), and send the load there from here')
  .option('--ssh-config <file>', 'with --server-host: the ssh config file to use (ssh -F)')
  .option('--server-bench <command>', `with --server-host: how bench runs on that machine (default "${DEFAULT_SERVER_BENCH}", e.g. "node /opt/bench/bin/bench.js")`)
  .addHelpText(
    'after',
    '\nExamples:\n  bench run blocking-vs-workers --workers 8 --path /io?ms=20 --concurrency 1,8,64\n' +
      '  bench run --app myproject.wsgi:application --app-dir ../myproject --path /api/items --deployments gunicorn-sync,gunicorn-gthread+nginx',
  )
  .action(async (scenario: string | undefined, options: RunFlags) => {
    exitCode = await (await import('./commands/run.js')).runCommand(scenario, options);
  });
withAppOptions(run);

const tune = program
  .command('tune')
  .description(
    'sweep pool sizes (and worker classes, and threads) for a scenario\'s app and path, find the most load each serves within ' +
      'the SLO, and recommend the smallest configuration within 5% of the best',
  )
  .argument('[scenario]', 'a built-in scenario name (see bench list) or a path to a scenario file: its app, its first path, its kinds (optional with --app)')
  .option('--kinds <list>', "comma-separated deployment kinds to sweep (default: the scenario's), e.g. gunicorn-sync,gunicorn-gthread", parse.nameList)
  .option('--workers <sizes>', 'pool sizes: a list (1,2,3,4,6,8) or a range A..B doubling from A and ending at B (default 1..16 = 1,2,4,8,16)', parseWorkerSizes)
  .option('--threads <list>', `threads per worker to try, for the kinds that take them (${kindsTakingThreads()}), e.g. 2,4,8 (default: the scenario's, else 4 for gthread)`, parse.limitedList(LIMITS.threads))
  .option('--slo <objective>', 'latency objective: a percentile and a bound, e.g. p99<200ms (default), p50<50ms, p99.9<1s', parseSlo)
  .option('--budget-mb <n>', 'memory budget: leave out configurations whose peak PSS (RSS where PSS is unreadable) exceeds N MB', parse.positiveInt(1_000_000))
  .option('--path <path>', "request path replacing the scenario's first, e.g. /cpu?ms=10", parse.path)
  .option('--max-clients <n>', 'the most closed-loop clients a configuration is stepped to, doubling from 1 (default 256)', parse.limited(LIMITS.concurrency))
  .option('--duration <seconds>', 'measured window per step (default 1)', parse.limited(LIMITS.duration))
  .option('--warmup <seconds>', 'unrecorded load before each window (default 0.3)', parse.limited(LIMITS.warmup))
  .option('--out <dir>', 'where results go (default: a new folder under results/)')
  .option('--force', 'replace the run an --out folder holds, or write into a non-empty folder')
  .addOption(new Option('--quick', 'shorter windows (0.6 s + 0.2 s warm-up): a coarser sweep'))
  .option('--yes', 'start a sweep planned to last more than an hour without asking')
  .addOption(generatorOption())
  .addOption(placementOption())
  .addHelpText(
    'after',
    '\nEach configuration is started once and stepped through 1, 2, 4, … clients until a step misses the SLO (or fails a request)\n' +
      'or doubling the clients gained under 5% while latency rose; a kind stops growing its pool once two successive sizes\n' +
      'gained under 5% over the best size before them ("stopped early"). Writes the run folder (results.json with a "tune" summary, reports, charts, tune.png).\n' +
      'The verdict holds for a server with the cores it was measured on, and says how many: under --placement separate (the default)\n' +
      'the servers get every core but the generator\'s.\n' +
      "Example: bench tune wsgi-workers --kinds gunicorn-sync,gunicorn-gthread --workers 1,2,3,4,6,8 --slo 'p99<300ms'",
  )
  .action(async (scenario: string | undefined, options: TuneFlags) => {
    exitCode = await (await import('./commands/tune.js')).tuneCommand(scenario, options);
  });
withAppOptions(tune);

const init = program
  .command('init')
  .description("write a commented starter scenario into the current folder, for bench's demo app or (--app) yours")
  .argument('[file]', `the scenario file to write (default ${DEFAULT_INIT_FILE})`)
  .option('--force', 'replace the file if it exists')
  .addHelpText('after', '\nExamples:\n  bench init && bench run bench-scenario.yaml --quick\n  bench init mine.yaml --app myproject.wsgi:application --app-dir ../myproject --health /healthz')
  .action(async (file: string | undefined, options: InitFlags) => {
    exitCode = (await import('./commands/init.js')).initCommand(file, options);
  });
withAppOptions(init);

program
  .command('compare')
  .description('compare two runs of the same scenario: throughput and p99 per point, with a verdict')
  .argument('<base>', 'the earlier run: its folder or results.json')
  .argument('<new>', 'the later run')
  .option('--threshold <pct>', 'regression threshold in percent (default 10)', parse.threshold)
  .option('--out <dir>', "where compare.png and compare.md go (default: the new run's folder)")
  .option('--allow-different-settings', 'compare runs whose paths, duration, warm-up, --quick, loop, generator, placement or --server-host differ (refused otherwise)')
  .option('--allow-partial', 'judge an incomplete NEW (interrupted, a deployment failed, points missing) on the points it has (it fails the comparison otherwise)')
  .addHelpText(
    'after',
    '\nA change counts when it passes the threshold and is not chance on the strongest evidence the runs hold:\n' +
      '  - both repeated enough for a test (3 and 4 repeats, or more): a one-sided Mann-Whitney U test on the repeats, p < 0.05;\n' +
      "  - repeated, but too few to test: the repeats' ranges lie apart by more than the threshold;\n" +
      '  - a single repeat on a side: the same test on the per-second figures of the two windows (4 whole seconds or more each);\n' +
      '  - otherwise the threshold alone.\n' +
      'Exit codes: 0 no regression, 1 a regression or an incomplete NEW, 2 bad input (also runs measured with different settings).\n' +
      'Example: bench compare results/before results/after --threshold 5',
  )
  .action(async (base: string, next: string, options: CompareOptions) => {
    exitCode = await (await import('./commands/compare.js')).compareCommand(base, next, options);
  });

program
  .command('doctor')
  .description('check which deployment kinds this machine can run, and how to install what is missing')
  .option('--python <path>', 'check what this interpreter (e.g. your virtualenv\'s) can host for a WSGI app, and how to install the rest')
  .option('--server-host <user@host>', 'run bench doctor on that machine over ssh instead (the machine bench run --server-host starts deployments on)')
  .option('--ssh-config <file>', 'with --server-host: the ssh config file to use (ssh -F)')
  .option('--server-bench <command>', `with --server-host: how bench runs on that machine (default "${DEFAULT_SERVER_BENCH}")`)
  .action(async (options: { python?: string; serverHost?: string; sshConfig?: string; serverBench?: string }) => {
    const server = serverHost(options.serverHost, options);
    if (server && options.python !== undefined) throw new UsageError('--python: not with --server-host (the interpreter would be on the other machine); run bench doctor --python there');
    process.stdout.write((server ? await (await import('./remote/doctor.js')).remoteDoctor(server, (line) => process.stderr.write(line + '\n')) : await (await import('./commands/doctor.js')).doctorCommand(options)) + '\n');
  });

program
  .command('install-servers')
  .description("install the real servers bench deploys (nginx, gunicorn, uWSGI, ...) and its tools from Debian's packages, with apt-get, and pm2 and forever with npm into a folder of bench's own")
  .option('--yes', 'run the commands without asking')
  .option('--npm-only', 'install only pm2 and forever (npm, no apt-get, no sudo)')
  .addHelpText(
    'after',
    '\nPrints the commands first and asks at a terminal; elsewhere (CI, scripts) it needs --yes. Not root, it runs them through sudo;\n' +
      'with no sudo (or no apt-get) it only prints them. Nothing is started or enabled. bench doctor lists the packages too.\n' +
      'pm2 7.0.4 and forever 4.0.3 go into $BENCH_NODE_TOOLS, else $XDG_DATA_HOME/bench/node-tools (~/.local/share/bench/node-tools),\n' +
      'as the current user; the pm2, pm2-cluster and forever kinds find them there (set BENCH_NODE_TOOLS for bench run too).\n' +
      'Exit codes: 0 installed, 1 a command failed or cannot run here, 2 not confirmed (no --yes), 130 interrupted.',
  )
  .action(async (options: { yes?: boolean; npmOnly?: boolean }) => {
    exitCode = await (await import('./commands/install-servers.js')).installServersCommand(options);
  });

program
  .command('report')
  .description('re-render every report (charts, report.html, report.md, results.csv) from a run\'s results.json')
  .argument('<dir>', 'a run folder holding results.json (a finished or an interrupted run)')
  .option('--timeline <deployment>', 'the deployment whose per-second timeline is charted first')
  .action(async (dir: string, options: { timeline?: string }) => {
    exitCode = await (await import('./commands/report.js')).reportCommand(dir, options);
  });

program
  .command('export')
  .description(
    "write one measured deployment as files for a server: gunicorn.conf.py, uwsgi.ini, hypercorn.toml or the server's command line, " +
      "an nginx site, a supervisord program and a systemd unit, or pm2's ecosystem.config.js; and README.md",
  )
  .argument('<run-dir>', 'a run folder holding results.json')
  .requiredOption('--to <dir>', 'the folder to write the files into (new or empty)')
  .option('--deployment <label>', "the deployment's label as in the run (default: bench tune's recommendation, else the fastest gunicorn or uWSGI row)")
  .option('--listen <host:port>', "nginx's listen address (default 127.0.0.1:8080)")
  .option('--bind <address>', "the app server's HOST:PORT or Unix socket path (default 127.0.0.1:8000; /run/NAME.sock for uWSGI behind nginx)")
  .option('--name <name>', 'the program, unit and upstream name (default bench-demo, or the user\'s app module)')
  .option('--config-dir <dir>', 'where gunicorn.conf.py or uwsgi.ini will be on the server (default /etc/NAME)')
  .option('--log-dir <dir>', "where supervisord writes the program's logs (default /var/log/supervisor)")
  .option('--force', 'write into a folder that is not empty, over files of the same names')
  .addHelpText(
    'after',
    `\nThese kinds' deployments can be exported (with or without +nginx): ${EXPORTABLE_KINDS.join(', ')}; and pm2 and pm2-cluster rows, as pm2's ecosystem.config.js.\n` +
      'Every setting is the measured one, with the measurement (path, load, throughput, p99) in a comment.\n' +
      "Example: bench export results/wsgi-workers-2026-12-01T10-00-00 --deployment 'gunicorn-sync+nginx ×4' --to deploy/",
  )
  .action(async (runDir: string, options: ExportOptions) => {
    exitCode = await (await import('./commands/export.js')).exportCommand(runDir, options);
  });

program
  .command('serve')
  .description('a live page for a workshop: start a deployment, turn the clients up, and watch its queue, busy workers and Little\'s law as it fills')
  .argument('[scenario]', 'a scenario whose first deployment, path and load the page starts with (default: one blocking worker, /io?ms=50)')
  .option('--port <n>', 'the page\'s port (default: a free one)', parse.positiveInt(65_535))
  .option('--host <address>', 'the address the page listens on (default 127.0.0.1); another one shows it to a room on a LAN, with a warning')
  .option('--open', 'open the page in the desktop\'s browser')
  .option('--record <dir>', 'write the session as a run folder as it goes (results.json, and the reports when it ends)')
  .option('--force', 'replace the run a --record folder holds, or write into a non-empty folder')
  .addHelpText('after', '\nThe page\'s URL carries an access token; requests without it get 403. Ctrl-C or SIGHUP stops every server it started.\nExample: bench serve --open')
  .action(async (scenario: string | undefined, options: ServeFlags) => {
    exitCode = await (await import('./commands/serve.js')).serveCommand(scenario, options);
  });

program
  .command('locust-worker')
  .description('join a bench run\'s Locust master from this machine: prints the locust --worker command it runs, and runs it for every point of the run, until its master ends it')
  .requiredOption('--master <host:port>', 'the address the run\'s --locust-master-bind gave', parse.hostPort)
  .action(async (options: { master: { host: string; port: number } }) => {
    exitCode = await (await import('./commands/locust-worker.js')).locustWorkerCommand(options.master);
  });

program
  .command('agent')
  .description('what bench run --server-host runs on the server machine over ssh: starts one deployment and answers the run\'s questions about it (JSON lines on stdin and stdout)')
  .action(async () => {
    exitCode = await (await import('./commands/agent.js')).agentCommand();
  });

program
  .command('list')
  .description('show the built-in scenarios and the deployment kinds')
  .action(async () => {
    process.stdout.write((await import('./commands/list.js')).listCommand() + '\n');
  });

async function main(): Promise<number> {
  installExitGuard();
  outliveClosedOutput();
  await sweepLeftovers();
  try {
    await program.parseAsync(process.argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message (help, version, or a usage error naming the flag).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`bench: error: ${printable(err.message)}\n`);
      return EXIT.usage;
    }
    // The machine refused (a full disk, a read-only one) after the command began: one line, no stack.
    const fault = err instanceof RunError ? err.message : faultLine(err);
    if (fault) {
      process.stderr.write(`bench: error: ${printable(fault)}\n`);
      return EXIT.runFailed;
    }
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.runFailed;
  }
}

/**
 * A message names what the user typed (a folder, a kind); whatever a message forgot to quote, an
 * escape sequence in it is shown, not played on the terminal. Its line breaks are kept.
 */
function printable(message: string): string {
  return message.split('\n').map(escapeControls).join('\n');
}

process.exitCode = await main();
