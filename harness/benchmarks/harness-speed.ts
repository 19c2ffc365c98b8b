// `npm run bench:harness`: how fast is bench itself?
//   1. bench's load path (measurePoint, autocannon) against wrk on a plain /hello, alternating.
//   2. the CLI's overhead per point: wall time outside the measured windows.
//   3. the time writeReports takes to render every chart of a run.
// It prints figures and exits 0 whether or not the goals are met; it exits 1 only when something
// breaks (a server that does not start, a CLI run that fails), and 130 on Ctrl-C.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeReports } from '../../reports/index.js';
import { findKind } from '../deployments/kinds.js';
import { launch, type RunningDeployment } from '../deployments/launch.js';
import { EXIT } from '../errors.js';
import { measurePoint } from '../load/measure.js';
import { projectRoot } from '../paths.js';
import { installExitGuard, killAllNow, liveTempDirs, onStopSignals } from '../process/registry.js';
import type { RunResults } from '../results.js';
import { readRun } from '../results-file.js';
import { findExecutable } from '../software.js';

const CONCURRENCY = 50;
const WARMUP_S = 1;
const GOAL_RATIO = 0.95;
const GOAL_RENDER_S = 2;
const RENDER_REPEATS = 3;

interface Options {
  rounds: number;
  durationS: number;
}

/** One generator's figures for one round. */
interface Sample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses that were not 2xx/3xx, or socket errors: a nonzero count makes the round suspect. */
  bad: number;
}

interface Round {
  bench: Sample;
  wrk?: Sample;
}

class Interrupted extends Error {}

/** Thrown for real failures: printed as one clear line, exit 1. */
class Failure extends Error {}

const abort = new AbortController();

// ---------------------------------------------------------------- options

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: npm run bench:harness -- [--rounds N] [--duration SECONDS]\n');
    process.exit(EXIT.ok);
  }
  return {
    rounds: positiveInt('--rounds', values.rounds),
    // wrk reads -d as whole seconds, so both generators get the same whole-second window.
    durationS: positiveInt('--duration', values.duration),
  };
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`harness-speed: ${flag} wants a whole number ≥ 1, got "${text}"\n`);
    process.exit(EXIT.usage);
  }
  return n;
}

// ---------------------------------------------------------------- 1. bench vs wrk

/** Starts node-async through the harness's own launcher, so the server is exactly what bench measures. */
async function startHello(tmpDir: string): Promise<RunningDeployment> {
  const kind = findKind('node-async');
  if (!kind) throw new Failure('the node-async deployment kind is missing from harness/deployments/kinds.ts');
  try {
    return await launch({ kind: 'node-async', workers: 1, proxy: 'none' }, kind, 'node-async', {
      tmpDir,
      readyTimeoutMs: 15_000,
    });
  } catch (err) {
    throw new Failure(`${(err as Error).message} (is dist/ built? run "npm run build")`);
  }
}

async function benchSample(url: string, durationS: number): Promise<Sample> {
  const m = await measurePoint(
    { url, concurrency: CONCURRENCY, warmupS: WARMUP_S, durationS, timeoutS: 10 },
    undefined,
    abort.signal,
  );
  throwIfInterrupted();
  return { rps: m.throughputRps, p50Ms: m.latencyMs?.p50 ?? NaN, p99Ms: m.latencyMs?.p99 ?? NaN, bad: m.non2xx + m.errors };
}

async function wrkSample(wrk: string, url: string, durationS: number): Promise<Sample> {
  // bench's window follows a warm-up in the same run; give wrk an unrecorded second too.
  await runWrk(wrk, url, WARMUP_S);
  return parseWrk(await runWrk(wrk, url, durationS));
}

/** Runs wrk with an argument array (no shell) and resolves to its stdout. */
function runWrk(wrk: string, url: string, durationS: number): Promise<string> {
  const args = ['-t1', `-c${CONCURRENCY}`, `-d${durationS}s`, '--latency', url];
  return new Promise((resolve, reject) => {
    execFile(wrk, args, { signal: abort.signal, timeout: (durationS + 15) * 1000 }, (err, stdout, stderr) => {
      if (abort.signal.aborted) return reject(new Interrupted());
      if (err) return reject(new Failure(`wrk ${args.join(' ')} failed: ${err.message} ${stderr}`.trim()));
      resolve(stdout);
    });
  });
}

/** Reads Requests/sec, the 50%/99% latency lines (from --latency), and any error counts. */
function parseWrk(out: string): Sample {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  if (rps === undefined) throw new Failure(`wrk printed no "Requests/sec:" line:\n${out}`);
  const percentile = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    return m?.[1] !== undefined && m[2] !== undefined ? toMs(Number(m[1]), m[2]) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { rps: Number(rps), p50Ms: percentile('50'), p99Ms: percentile('99'), bad: non2xx + socketErrors };
}

function toMs(value: number, unit: string): number {
  return unit === 'us' ? value / 1000 : unit === 's' ? value * 1000 : value;
}


/** Alternates bench and wrk round by round, so drift (thermal, other load) hits both alike. */
async function compareGenerators(tmpDir: string, options: Options): Promise<Round[]> {
  const wrk = findExecutable('wrk');
  if (!wrk) say('wrk is not installed (sudo apt-get install wrk); measuring bench alone');
  const deployment = await startHello(tmpDir);
  stopOnInterrupt.push(() => deployment.stop());
  try {
    const url = `${deployment.baseUrl}/hello`;
    const rounds: Round[] = [];
    for (let i = 1; i <= options.rounds; i++) {
      const round: Round = { bench: await benchSample(url, options.durationS) };
      if (wrk) round.wrk = await wrkSample(wrk, url, options.durationS);
      rounds.push(round);
      say(`round ${i}/${options.rounds}: ${describeRound(round)}`);
    }
    return rounds;
  } finally {
    await deployment.stop();
  }
}

function describeRound({ bench, wrk }: Round): string {
  let line = `bench ${describeSample(bench)}`;
  if (wrk) line += `; wrk ${describeSample(wrk)} → ratio ${(bench.rps / wrk.rps).toFixed(2)}`;
  return line;
}

function describeSample(s: Sample): string {
  const bad = s.bad > 0 ? `, ${s.bad} errors/non-2xx` : '';
  return `${int(s.rps)} req/s (p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms${bad})`;
}

// ---------------------------------------------------------------- 2. CLI overhead per point

interface CliRun {
  wallS: number;
  run: RunResults;
  outDir: string;
}

const SCENARIO_YAML = `description: harness-speed overhead probe
path: /hello
duration: 1
warmup: 0.2
concurrency: [1, 8, 32]
deployments: [node-async, node-blocking]
`;

/** Runs the real CLI as a black box, in its own process, exactly as a user would. */
async function runCli(tmpDir: string): Promise<CliRun> {
  const scenario = join(tmpDir, 'overhead.yaml');
  const outDir = join(tmpDir, 'run');
  writeFileSync(scenario, SCENARIO_YAML);
  const args = [join(projectRoot, 'bin', 'bench.js'), 'run', scenario, '--out', outDir];
  say('running the CLI on a 6-point /hello scenario…');
  const started = performance.now();
  const { code, output } = await spawnCollecting(process.execPath, args, tmpDir);
  const wallS = (performance.now() - started) / 1000;
  throwIfInterrupted();
  if (code !== EXIT.ok) throw new Failure(`bench run exited with ${code}:\n${output.trim().split('\n').slice(-15).join('\n')}`);
  return { wallS, run: readResults(outDir), outDir };
}

/** Output is collected rather than shown: the CLI's live progress lines would bury the summary. */
function spawnCollecting(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // On Ctrl-C the signal option sends SIGTERM, which the CLI handles by stopping its servers.
    const child = spawn(command, args, { cwd, signal: abort.signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => (abort.signal.aborted ? undefined : reject(new Failure(`could not run bench: ${err.message}`))));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

function readResults(outDir: string): RunResults {
  const { run, file } = readRun(outDir);
  if (run.results.length === 0) throw new Failure(`${file} holds no measured points`);
  return run;
}

interface Overhead {
  wallS: number;
  points: number;
  measuredS: number;
  outsideS: number;
  perPointS: number;
}

/** Rows do not record warm-up length (the harness stretches it to drain queues), so it counts as outside. */
function overheadOf({ wallS, run }: CliRun): Overhead {
  const points = run.results.length;
  const measuredS = run.results.reduce((sum, row) => sum + row.durationS, 0);
  const outsideS = wallS - measuredS;
  return { wallS, points, measuredS, outsideS, perPointS: outsideS / points };
}

// ---------------------------------------------------------------- 3. report rendering

interface Rendering {
  firstS: number;
  medianS: number;
  files: number;
}

/** The first call pays module and font loading; the median is the steady cost of one report. */
async function timeRendering(run: RunResults, outDir: string): Promise<Rendering> {
  const times: number[] = [];
  let files = 0;
  for (let i = 0; i < RENDER_REPEATS; i++) {
    throwIfInterrupted();
    const started = performance.now();
    files = (await writeReports(run, outDir)).length;
    times.push((performance.now() - started) / 1000);
  }
  return { firstS: times[0] ?? NaN, medianS: median(times), files };
}

// ---------------------------------------------------------------- summary

function summarise(options: Options, rounds: Round[], overhead: Overhead, rendering: Rendering): string {
  const header = `on /hello, c=${CONCURRENCY}, ${options.durationS} s × ${rounds.length} round${rounds.length === 1 ? '' : 's'}`;
  const bench = median(rounds.map((r) => r.bench.rps));
  const wrkRounds = rounds.flatMap((r) => (r.wrk ? [{ bench: r.bench.rps, wrk: r.wrk.rps }] : []));
  let first: string;
  if (wrkRounds.length === 0) {
    first = `bench ${header}: ${int(bench)} req/s (wrk not installed: sudo apt-get install wrk)`;
  } else {
    const ratio = median(wrkRounds.map((r) => r.bench / r.wrk));
    const wrk = median(wrkRounds.map((r) => r.wrk));
    first =
      `bench vs wrk ${header}: bench ${int(bench)} req/s, wrk ${int(wrk)} req/s → ratio ${ratio.toFixed(2)} ` +
      `(goal ≥ ${GOAL_RATIO}: ${met(ratio >= GOAL_RATIO)})`;
  }
  const second =
    `harness overhead: ${overhead.points} points in ${secs(overhead.wallS)}, ` +
    `${secs(overhead.measuredS)} measured → ${overhead.perPointS.toFixed(2)} s per point outside the measured windows ` +
    `(warm-ups, process start, server start/stop, charts)`;
  const third =
    `report rendering: ${rendering.medianS.toFixed(2)} s median of ${RENDER_REPEATS}, ${rendering.files} files ` +
    `(first call ${rendering.firstS.toFixed(2)} s; goal < ${GOAL_RENDER_S} s: ${met(rendering.medianS < GOAL_RENDER_S)})`;
  return [first, second, third].join('\n');
}

// ---------------------------------------------------------------- helpers

/** Cleanups to run if Ctrl-C arrives while a server is up (the finally blocks run too; stop() is idempotent). */
const stopOnInterrupt: Array<() => Promise<void>> = [];

function throwIfInterrupted(): void {
  if (abort.signal.aborted) throw new Interrupted();
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const secs = (x: number) => `${x.toFixed(1)} s`;
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
const say = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------- main

function onSignal(): void {
  if (abort.signal.aborted) {
    // A second Ctrl-C: no more waiting for graceful shutdown.
    killAllNow();
    process.exit(EXIT.interrupted);
  }
  say('\ninterrupted: stopping the servers');
  abort.abort();
  for (const stop of stopOnInterrupt) void stop();
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  installExitGuard(); // whatever happens, no server outlives this process
  onStopSignals(onSignal);
  const tmpDir = mkdtempSync(join(tmpdir(), 'bench-'));
  liveTempDirs.add(tmpDir);
  try {
    const rounds = await compareGenerators(tmpDir, options);
    const cli = await runCli(tmpDir);
    const rendering = await timeRendering(cli.run, join(tmpDir, 'render'));
    process.stdout.write(`\n${summarise(options, rounds, overheadOf(cli), rendering)}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof Interrupted || abort.signal.aborted) return EXIT.interrupted;
    say(`harness-speed: ${err instanceof Failure ? err.message : ((err as Error).stack ?? String(err))}`);
    return EXIT.runFailed;
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
