import type { EngineLoad } from '../engine.js';
import { drive } from './driver.js';

/**
 * The builtin engine's process: the parent sends one load, this drives it and sends the
 * measurement back. It lives in its own process group (so Ctrl-C reaches the parent, which stops
 * it in order) and exits when the parent goes away, however that happens.
 */
const abort = new AbortController();
process.on('disconnect', () => process.exit(0));
process.on('message', (message: { type: 'run'; load: EngineLoad } | { type: 'stop' }) => {
  if (message.type === 'stop') return abort.abort();
  drive(message.load, abort.signal).then(
    (measurement) => process.send?.({ type: 'done', measurement }, undefined, {}, () => process.disconnect()),
    (err: Error) => process.send?.({ type: 'error', message: err.message }, undefined, {}, () => process.disconnect()),
  );
});
