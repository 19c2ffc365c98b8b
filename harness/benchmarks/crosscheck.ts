// `npm run bench:crosscheck`: does bench's own load engine measure what wrk measures?
// Every deployment kind bench can start is started with bench's launcher and driven, case by case,
// by the wrk engine and the builtin engine in turn (wrk then bench, then bench then wrk, … over the
// rounds, so that drift hits both alike), with the same placement for both. Each case prints both
// generators' medians, the bench/wrk ratio with its 95% interval against its goal (met, missed, or
// not to be told from this machine's noise), and what each generator cost.
import { formatRps } from '../formatting/numbers.js';
import { toRow } from '../results/aggregate.js';
import { median } from '../stats/median.js';
import { launch, type RunningDeployment } from '../deployments/launch.js';
import { EXIT } from '../cli/errors.js';
import { measurePoint, type PointMeasurement } from '../load/measure.js';
import { sleep } from '../process/group.js';
import { childrenOf } from '../process/procfs.js';
import { guardianPid } from '../process/registry.js';
import { planPlacement, type PlacementMode } from '../process/placement.js';
import type { GeneratorEngine, Placement } from '../results/types.js';
import { findExecutable } from '../software/catalog.js';
import { crosscheckGroups, describeRounds, roundsOf, type Case, type CaseGroup } from './crosscheck-cases.js';
import { crosscheckTable, verdict, type Checked } from './crosscheck-report.js';
import { Failure, parseFlags, runScript, wholeFlag, say, type ScriptContext } from './script.js';

const SCRIPT = 'crosscheck';
/** Longer than any window: a request unanswered this long is an error, not a slow response. */
const TIMEOUT_S = 10;
/** Each window's warm-up, for either engine: the default scenario's (wrk rounds it up to 1 s). */
const WINDOW_WARMUP_S = 0.5;
const USAGE = `usage: npm run bench:crosscheck -- [options]
  --rounds N         wrk and bench each measure every case N times, alternating (default 5;
                     /hello cases 2N: their figures move most from one window to the next)
  --duration SECONDS each measured window, whole seconds as wrk takes them (default 2)
  --warmup SECONDS   unrecorded load before each case's first window (default 1)
  --cases TEXT       only the cases whose name contains TEXT (a comma-separated list: any of them)
  --placement MODE   separate: generator on the last CPU, servers on the others (default);
                     shared: every process on every CPU
`;

interface Options {
  rounds: number;
  durationS: number;
  warmupS: number;
  cases: string[];
  placement: PlacementMode;
}

function parseOptions(): Options {
  const values = parseFlags(SCRIPT, {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    cases: { type: 'string', default: '' },
    placement: { type: 'string', default: 'separate' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(EXIT.ok);
  }
  if (values.placement !== 'separate' && values.placement !== 'shared') {
    say(`${SCRIPT}: --placement is separate or shared, got "${values.placement}"`);
    process.exit(EXIT.usage);
  }
  return {
    rounds: wholeFlag(SCRIPT, '--rounds', values.rounds, 1),
    // wrk takes whole seconds only: both engines get the same windows.
    durationS: wholeFlag(SCRIPT, '--duration', values.duration, 1),
    warmupS: wholeFlag(SCRIPT, '--warmup', values.warmup, 0),
    cases: values.cases.split(',').map((s) => s.trim()).filter(Boolean),
    placement: values.placement,
  };
}

/** The groups with only the cases --cases asked for; none left is a bad flag. */
function selectCases(groups: CaseGroup[], wanted: string[]): CaseGroup[] {
  const matches = (c: Case) => wanted.length === 0 || wanted.some((w) => c.name.toLowerCase().includes(w.toLowerCase()));
  const selected = groups.map((g) => ({ ...g, cases: g.cases.filter(matches) })).filter((g) => g.cases.length > 0);
  if (selected.length === 0) {
    say(`${SCRIPT}: no case matches --cases ${wanted.join(',')}; the cases are:\n  ${groups.flatMap((g) => g.cases.map((c) => c.name)).join('\n  ')}`);
    process.exit(EXIT.usage);
  }
  return selected;
}

function describePlacement(p: Placement): string {
  return p.mode === 'separate'
    ? `separate (servers on CPU ${p.serverCpus}, each generator alone on CPU ${p.generatorCpus})`
    : `shared (servers and generator on any of the ${p.serverCores} CPUs)`;
}

/**
 * A closed loop that stops leaves its c requests in flight, and a blocking server still serves
 * them after their clients have gone: for about one mean latency (Little's law). Waiting them out
 * keeps them from eating into the next window.
 */
const drainMs = (m: PointMeasurement) => Math.min(m.latencyMs?.mean ?? Infinity, TIMEOUT_S * 1000);

/**
 * wrk's CPU is this process's reaped-children time over wrk's run, so the builtin engine's process,
 * which may still be exiting when its measurement comes back, would count as wrk's if it were reaped
 * during that run: wait until the deployment's servers (and bench's guardian) are the only children left.
 */
async function untilOnlyServersRemain(running: RunningDeployment, ctx: ScriptContext): Promise<void> {
  const servers = new Set([...running.processes.map((p) => p.pid), guardianPid()]);
  const deadline = Date.now() + 5000;
  while (childrenOf(process.pid).some((child) => !servers.has(child.pid))) {
    if (Date.now() > deadline) throw new Failure(`a load generator process of an earlier window did not exit`);
    await sleep(10, ctx.signal);
    ctx.throwIfInterrupted();
  }
}

/**
 * One case on a running deployment: an unrecorded warm-up, then wrk and bench in turn, round by
 * round, each engine's rounds aggregated as `bench run` aggregates repeats. Each window comes
 * after the engine's own warm-up, as every point of `bench run` does, so what is compared is what
 * a run prints: without it the builtin engine's window would open in a fresh Node process whose
 * hot path the JIT has not compiled yet, a cost no run pays.
 */
async function crosscheckCase(
  group: CaseGroup,
  c: Case,
  running: RunningDeployment,
  options: Options,
  placement: Placement,
  ctx: ScriptContext,
): Promise<Checked> {
  const drive = async (generator: GeneratorEngine, durationS: number, warmupS = WINDOW_WARMUP_S) => {
    await untilOnlyServersRemain(running, ctx);
    const m = await measurePoint(
      {
        url: running.baseUrl + c.path,
        concurrency: c.concurrency,
        warmupS,
        durationS,
        timeoutS: TIMEOUT_S,
        generator,
        processGroups: () => running.processes.map((p) => p.pid),
        ...(placement.generatorCpus && { cpus: placement.generatorCpus }),
      },
      undefined,
      ctx.signal,
    );
    await sleep(drainMs(m), ctx.signal);
    ctx.throwIfInterrupted();
    return m;
  };
  if (options.warmupS > 0) await drive('builtin', options.warmupS, 0);
  const rounds = roundsOf(c, options.rounds);
  const samples: Record<'wrk' | 'builtin', PointMeasurement[]> = { wrk: [], builtin: [] };
  for (let round = 1; round <= rounds; round++) {
    // wrk first in odd rounds, bench first in even ones: on this shared machine one generator's
    // figure drifts by ±10% over tens of seconds, and a fixed order would hand the drift of every
    // round to the same generator.
    let wrk: PointMeasurement;
    let bench: PointMeasurement;
    if (round % 2 === 1) {
      wrk = await drive('wrk', options.durationS);
      bench = await drive('builtin', options.durationS);
    } else {
      bench = await drive('builtin', options.durationS);
      wrk = await drive('wrk', options.durationS);
    }
    samples.wrk.push(wrk);
    samples.builtin.push(bench);
    say(`  ${c.name}, round ${round}/${rounds}: wrk ${formatRps(wrk.throughputRps)} req/s, bench ${formatRps(bench.throughputRps)} req/s`);
  }
  const row = (of: PointMeasurement[]) => toRow({ planned: group.deployment, path: c.path, level: { concurrency: c.concurrency }, placement, samples: of });
  const ratios = samples.wrk.flatMap((w, i) => (w.throughputRps > 0 ? [samples.builtin[i]!.throughputRps / w.throughputRps] : []));
  return { case: c, wrk: row(samples.wrk), bench: row(samples.builtin), ratio: ratios.length > 0 ? median(ratios) : null, roundRatios: ratios };
}

await runScript(SCRIPT, async (ctx) => {
  const options = parseOptions();
  if (!findExecutable('wrk')) throw new Failure('wrk is not installed, and it is what bench is checked against: sudo apt-get install wrk');
  const groups = selectCases(await crosscheckGroups(), options.cases);
  const placement = planPlacement(options.placement);
  say(
    `crosscheck: ${groups.reduce((n, g) => n + g.cases.length, 0)} cases, ${describeRounds(options.rounds)} of wrk and bench, each first ` +
      `in turn, in ${options.durationS} s windows; ${options.warmupS} s warm-up per case; placement ${describePlacement(placement)}`,
  );
  const checked: Checked[] = [];
  const skipped: string[] = [];
  const failed: string[] = [];
  for (const group of groups) {
    const { label } = group.deployment;
    const why = await group.unavailable();
    if (why) {
      skipped.push(`skipped ${label}: ${why}`);
      say(`skipping ${label}: ${why}`);
      continue;
    }
    say(`${label}: starting`);
    let running: RunningDeployment;
    try {
      running = await launch(group.deployment.spec, group.deployment.kind, label, {
        tmpDir: ctx.tmpDir,
        readyTimeoutMs: 20_000,
        signal: ctx.signal,
        ...(placement.serverCpus && { cpus: placement.serverCpus }),
      });
    } catch (err) {
      ctx.throwIfInterrupted();
      failed.push((err as Error).message);
      say((err as Error).message);
      continue;
    }
    try {
      for (const c of group.cases) checked.push(await crosscheckCase(group, c, running, options, placement, ctx));
    } finally {
      await running.stop();
    }
  }
  const out = [
    '',
    ...crosscheckTable(checked, placement.mode),
    ...skipped,
    ...failed.map((f) => `FAILED: ${f}`),
    verdict(checked),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (failed.length > 0) throw new Failure(`${failed.length} deployment${failed.length > 1 ? 's' : ''} did not start`);
});
