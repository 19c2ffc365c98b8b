import { writeReports, writers } from '../../reports/index.js';
import type { Level, Sample } from '../results/aggregate.js';
import { prepareOutDir, saveResults } from '../results/out-folder.js';
import type { Plan, PlannedDeployment } from '../plan/build-plan.js';
import type { PointEvent, RunResults, SessionStep } from '../results/types.js';
import { pointRecorder } from '../run/point-recorder.js';
import { newRun } from '../run/results-header.js';

/** One setting the instructor held: a deployment at one load, measured as a point of `bench run` is. */
export interface Segment {
  planned: PlannedDeployment;
  path: string;
  level: Level;
  sample: Sample;
  /** The same setting as the handout shows it. */
  step: SessionStep;
}

/**
 * What a `bench serve` session showed, as an ordinary run: one row per setting held (a setting
 * held twice is measured twice, and merges as a repeat would), each with its per-second timeline
 * and the change that began it, and the session's changes in order. `bench report` reads it as it
 * reads any run.
 */
export class Recording {
  private readonly segments: Segment[] = [];
  private readonly changes: PointEvent[] = [];
  private readonly startedAt = new Date().toISOString();
  /** The folder claimed for this session's run, once it has one. */
  private dir: string | undefined;

  constructor(
    /** The session's plan: its scenario and settings; deployments, paths and levels come from the segments. */
    private readonly base: Plan,
    /** --record: every segment is written there as it ends. */
    private readonly recordDir: string | undefined,
    /** --force: an earlier run in --record is replaced. */
    private readonly force = false,
  ) {
    if (recordDir) this.dir = this.claim(recordDir, false);
  }

  get recordingTo(): string | undefined {
    return this.recordDir && this.dir;
  }

  change(t: number, what: string): void {
    this.changes.push({ t, what });
  }

  add(segment: Segment): void {
    this.segments.push(segment);
    if (this.recordDir) saveResults(this.results(this.dir!), this.dir!);
  }

  /** Writes the run folder (results.json and every report); resolves to its path. */
  async save(): Promise<string> {
    this.dir ??= this.claim(this.base.outDir, this.base.outDirIsDefault);
    const run = this.results(this.dir);
    saveResults(run, this.dir);
    await writeReports(run, this.dir);
    return this.dir;
  }

  private claim(dir: string, isDefault: boolean): string {
    return prepareOutDir(dir, { isDefault, runFiles: writers.flatMap((w) => w.files), force: this.force, ...(!isDefault && { flag: '--record' }) });
  }

  private results(outDir: string): RunResults {
    const unique = <T>(values: T[]) => [...new Set(values)];
    const closed = this.segments.flatMap((s) => ('concurrency' in s.level ? [s.level.concurrency] : []));
    const open = this.segments.flatMap((s) => ('offeredRps' in s.level ? [s.level.offeredRps] : []));
    const deployments = [...new Map(this.segments.map((s) => [s.planned.label, s.planned])).values()];
    const plan: Plan = {
      ...this.base,
      outDir,
      deployments,
      paths: unique(this.segments.map((s) => s.path)),
      concurrency: unique(closed).sort((a, b) => a - b),
      rates: unique(open).sort((a, b) => a - b),
      durationS: this.segments.length > 0 ? Math.round(Math.max(...this.segments.map((s) => s.sample.durationS)) * 10) / 10 : 0,
    };
    const run: RunResults = { ...newRun(plan), startedAt: this.startedAt, changes: [...this.changes], steps: this.segments.map((s) => s.step) };
    // Rows are built the way `bench run` builds them (pointRecorder also rewrites results.json as it goes).
    const record = pointRecorder({ ...plan, outDir }, run);
    for (const s of this.segments) record({ planned: s.planned, path: s.path, level: s.level }, s.sample);
    run.complete = true;
    run.finishedAt = new Date().toISOString();
    return run;
  }
}
