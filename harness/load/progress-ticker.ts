import type { EngineLoad, LiveFigures, ProgressListener } from './engine.js';

/**
 * Tells the listener four times a second which phase a point is in and how long it has left, and
 * while it measures, the latest live figures the engine has (`live`; none from wrk).
 */
export function progressTicker(load: EngineLoad, listener: ProgressListener | undefined, live: () => LiveFigures | undefined = () => undefined): () => void {
  if (!listener) return () => {};
  const windowOpens = performance.now() + load.warmupS * 1000;
  const windowCloses = windowOpens + load.durationS * 1000;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now < windowOpens) listener('warm-up', (windowOpens - now) / 1000);
    else listener('measuring', Math.max(0, (windowCloses - now) / 1000), live());
  }, 250);
  return () => clearInterval(timer);
}
