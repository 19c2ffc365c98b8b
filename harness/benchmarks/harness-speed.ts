// `npm run bench:harness`: how fast is bench itself, outside the load it sends?
//   1. the CLI's overhead per point: wall time outside the measured windows.
//   2. the time writeReports takes to render every chart of a run.
// (How bench's load engine compares with wrk is `npm run bench:crosscheck`.)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeReports } from '../../reports/index.js';
import { median } from '../stats/median.js';
import { EXIT } from '../cli/errors.js';
import { projectRoot } from '../files/bench-paths.js';
import type { RunResults } from '../results/types.js';
import { Failure, parseFlags, runScript, say, type ScriptContext } from './script.js';
import { readRun } from '../results/read-run.js';

const GOAL_RENDER_S = 2;
const RENDER_REPEATS = 3;

// ---------------------------------------------------------------- 1. CLI overhead per point

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
async function runCli({ tmpDir, signal, throwIfInterrupted }: ScriptContext): Promise<CliRun> {
  const scenario = join(tmpDir, 'overhead.yaml');
  const outDir = join(tmpDir, 'run');
  writeFileSync(scenario, SCENARIO_YAML);
  const args = [join(projectRoot, 'bin', 'bench.js'), 'run', scenario, '--out', outDir];
  say('running the CLI on a 6-point /hello scenario…');
  const started = performance.now();
  const { code, output } = await spawnCollecting(process.execPath, args, tmpDir, signal);
  const wallS = (performance.now() - started) / 1000;
  throwIfInterrupted();
  if (code !== EXIT.ok) throw new Failure(`bench run exited with ${code}:\n${output.trim().split('\n').slice(-15).join('\n')}`);
  return { wallS, run: readResults(outDir), outDir };
}

/** Output is collected rather than shown: the CLI's live progress lines would bury the summary. */
function spawnCollecting(command: string, args: string[], cwd: string, signal: AbortSignal): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // On Ctrl-C the signal option sends SIGTERM, which the CLI handles by stopping its servers.
    const child = spawn(command, args, { cwd, signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => (signal.aborted ? undefined : reject(new Failure(`could not run bench: ${err.message}`))));
    child.on('close', (code, killedBy) => resolve({ code: code ?? (killedBy ? 128 : 1), output }));
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

// ---------------------------------------------------------------- 2. report rendering

interface Rendering {
  firstS: number;
  medianS: number;
  files: number;
}

/** The first call pays module and font loading; the median is the steady cost of one report. */
async function timeRendering(run: RunResults, outDir: string, { throwIfInterrupted }: ScriptContext): Promise<Rendering> {
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

function summarise(overhead: Overhead, rendering: Rendering): string {
  const first =
    `harness overhead: ${overhead.points} points in ${secs(overhead.wallS)}, ` +
    `${secs(overhead.measuredS)} measured → ${overhead.perPointS.toFixed(2)} s per point outside the measured windows ` +
    `(warm-ups, process start, server start/stop, charts)`;
  const second =
    `report rendering: ${rendering.medianS.toFixed(2)} s median of ${RENDER_REPEATS}, ${rendering.files} files ` +
    `(first call ${rendering.firstS.toFixed(2)} s; goal < ${GOAL_RENDER_S} s: ${rendering.medianS < GOAL_RENDER_S ? 'met' : 'NOT met'})`;
  return [first, second].join('\n');
}

const secs = (x: number) => `${x.toFixed(1)} s`;

// ---------------------------------------------------------------- main

if (parseFlags('harness-speed', { help: { type: 'boolean', default: false } }).help) {
  process.stdout.write('usage: npm run bench:harness\n');
  process.exit(EXIT.ok);
}

await runScript('harness-speed', async (ctx) => {
  const cli = await runCli(ctx);
  const rendering = await timeRendering(cli.run, join(ctx.tmpDir, 'render'), ctx);
  process.stdout.write(`\n${summarise(overheadOf(cli), rendering)}\n`);
});
