import type { EngineLoad, ProgressListener } from './engine.js';

/** Tells the listener four times a second which phase a point is in and how long it has left. */
export function progressTicker(load: EngineLoad, listener: ProgressListener | undefined): () => void {
  if (!listener) return () => {};
  const windowOpens = performance.now() + load.warmupS * 1000;
  const windowCloses = windowOpens + load.durationS * 1000;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now < windowOpens) listener('warm-up', (windowOpens - now) / 1000);
    else listener('measuring', Math.max(0, (windowCloses - now) / 1000));
  }, 250);
  return () => clearInterval(timer);
}
