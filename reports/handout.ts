import type { RunResults, SessionStep } from '../harness/results/types.js';
import { formatRate, formatRps, formatWait, NONE } from '../harness/formatting/numbers.js';
import type { SummaryTable } from './summary.js';

/**
 * A `bench serve` session as a handout a student can take away: the settings the session held, in
 * order, each with what was served, how long it took and how many requests were in flight, beside
 * what Little's law and the model say, and a sentence on what the step shows.
 */
export interface Handout {
  title: string;
  /** What the session shows, then how to read the table. */
  intro: string[];
  table: SummaryTable;
}

export const HANDOUT_TITLE = 'The session, step by step';

const READING = [
  "Served is λ, the requests answered a second. Typical and slowest 1% are the middle request's time (p50) and the time only 1 request in 100 took longer than (p99).",
  "In flight is L, the requests sent and not yet answered, on average. Little's law says L = λ × W (W the mean time a request took): the λ × W column works it out from the other figures, and should come out close to L.",
  "Workers busy counts the workers serving a request, out of all the deployment has; held counts those tied up reading a slow client's request. The model is the most the deployment can serve: at most K requests at once, each taking d seconds, is at most K / d a second.",
];

const one = (x: number) => formatRate(Math.round(x * 10) / 10);
const failedPerS = (step: SessionStep) => Object.values(step.errorsPerS).reduce((sum, perS) => sum + perS, 0);

function workersCell(step: SessionStep): string {
  const busy = step.capacity === null ? `${one(step.busy)} (no limit)` : `${one(step.busy)} of ${step.capacity}`;
  return step.held > 0 ? `${busy}, ${one(step.held)} held` : busy;
}

function modelCell(step: SessionStep): string {
  if (step.modelWorking) return step.modelWorking;
  return step.predictedRps === null ? `${NONE} (no model for ${step.path})` : `${formatRate(step.predictedRps)} req/s`;
}

/** One sentence on the session as a whole: where it started, its best step, and how often the model held. */
function sessionSummary(steps: SessionStep[]): string {
  const best = steps.reduce((a, b) => (b.throughputRps > a.throughputRps ? b : a));
  const modelled = steps.filter((s) => s.predictedRps !== null && s.predictedRps > 0);
  const agreed = modelled.filter((s) => Math.abs(s.throughputRps / s.predictedRps! - 1) <= 0.15);
  const settings = steps.length === 1 ? 'one setting' : `${steps.length} settings`;
  const held = `This session held ${settings}, in the order below, from ${steps[0]!.deployment} at ${steps[0]!.load}.`;
  const top = ` The most served was ${formatRps(best.throughputRps)} req/s, by ${best.deployment} at ${best.load} (step ${steps.indexOf(best) + 1}).`;
  const model = modelled.length === 0 ? '' : ` ${agreed.length} of ${modelled.length} step${modelled.length === 1 ? '' : 's'} with a model came within 15% of it.`;
  return held + top + model;
}

/** The handout, or null for a run that is not a `bench serve` session (or measured nothing). */
export function handout(run: RunResults): Handout | null {
  const steps = run.steps ?? [];
  if (steps.length === 0) return null;
  const failures = steps.some((s) => failedPerS(s) > 0);
  const cpu = steps.some((s) => s.cpuPercent !== undefined);
  const columns: { header: string; numeric: boolean; cell: (s: SessionStep, i: number) => string }[] = [
    { header: 'step', numeric: true, cell: (_s, i) => String(i + 1) },
    { header: 'deployment', numeric: false, cell: (s) => s.deployment },
    { header: 'load', numeric: false, cell: (s) => `${s.path}, ${s.load}` },
    { header: 'served (req/s)', numeric: true, cell: (s) => formatRps(s.throughputRps) },
    { header: 'typical (p50)', numeric: true, cell: (s) => formatWait(s.p50Ms) },
    { header: 'slowest 1% (p99)', numeric: true, cell: (s) => formatWait(s.p99Ms) },
    { header: 'in flight (L)', numeric: true, cell: (s) => one(s.inFlight) },
    { header: 'λ × W', numeric: true, cell: (s) => (s.littleL === null ? NONE : one(s.littleL)) },
    { header: 'workers busy', numeric: false, cell: workersCell },
    ...(failures ? [{ header: 'failed a second', numeric: true, cell: (s: SessionStep) => one(failedPerS(s)) }] : []),
    ...(cpu ? [{ header: 'server CPU', numeric: true, cell: (s: SessionStep) => (s.cpuPercent === undefined ? NONE : `${s.cpuPercent}%`) }] : []),
    { header: 'the model', numeric: false, cell: modelCell },
    { header: 'what it shows', numeric: false, cell: (s) => s.note },
  ];
  return {
    title: HANDOUT_TITLE,
    intro: [sessionSummary(steps), ...READING],
    table: {
      headers: columns.map((c) => c.header),
      numeric: columns.map((c) => c.numeric),
      rows: steps.map((step, i) => ({ cells: columns.map((c) => c.cell(step, i)), flagged: false })),
    },
  };
}
