import type { EngineLoad, EngineMeasurement } from '../engine.js';
import { driveLive, type LiveDriver } from './driver.js';
import { LiveTap } from './live-tap.js';

/** What the parent (harness/load/live.ts) asks of live load. */
export type LiveCommand =
  | { type: 'start'; load: EngineLoad; windowS: number; figuresEveryMs: number; settleS: number }
  | { type: 'retarget'; load: EngineLoad; settleS: number }
  | { type: 'cut'; settleS: number }
  | { type: 'stop' };

export type LiveReport =
  | { type: 'figures'; figures: ReturnType<LiveTap['figures']> }
  /** The window of the setting that just ended (answers retarget, cut and stop, in order). */
  | { type: 'segment'; measurement: EngineMeasurement; last: boolean }
  | { type: 'error'; message: string };

/**
 * Live load's process (`bench serve`): like child.ts, a process of its own with its own event
 * loop and CPU, driving load until told to stop, with figures for the page several times a second.
 */
const abort = new AbortController();
let driver: LiveDriver | undefined;
let tap: LiveTap | undefined;
const send = (report: LiveReport, then?: () => void) => process.send?.(report, undefined, {}, then);

process.on('disconnect', () => process.exit(0));
process.on('message', (command: LiveCommand) => {
  try {
    if (command.type === 'start') {
      tap = new LiveTap(command.windowS, command.figuresEveryMs, () => driver?.inFlight() ?? 0);
      driver = driveLive({ ...command.load, warmupS: command.settleS }, tap, abort.signal, (last: EngineMeasurement) =>
        send({ type: 'segment', measurement: last, last: true }, () => process.disconnect()),
      );
      setInterval(() => send({ type: 'figures', figures: tap!.figures() }), command.figuresEveryMs).unref();
    } else if (command.type === 'retarget') {
      send({ type: 'segment', measurement: driver!.cut(command.settleS), last: false });
      driver!.retarget(command.load);
    } else if (command.type === 'cut') {
      send({ type: 'segment', measurement: driver!.cut(command.settleS), last: false });
    } else {
      tap?.stop();
      abort.abort();
    }
  } catch (err) {
    send({ type: 'error', message: (err as Error).message });
  }
});
