import { toRow, type PointSamples, type Sample } from '../results/aggregate.js';
import { saveResults } from '../results/out-folder.js';
import type { Plan } from '../plan/build-plan.js';
import type { RunResults } from '../results/types.js';

export type RecordPoint = (point: Omit<PointSamples, 'samples' | 'placement'>, sample: Sample) => void;

/** Adds each measured sample to its point's row (repeats merge) and rewrites results.json. */
export function pointRecorder(plan: Plan, run: RunResults): RecordPoint {
  const points = new Map<string, PointSamples>();
  return (point, sample) => {
    const key = JSON.stringify([point.planned.label, point.path, point.level]);
    // Repeats keep the first round's service time: one model per row.
    const entry = points.get(key) ?? { ...point, placement: plan.placement, samples: [] };
    entry.samples.push(sample);
    points.set(key, entry);
    run.results = [...points.values()].map(toRow);
    saveResults(run, plan.outDir);
  };
}
