import type { AppInput, AppUnderTest } from './app.js';
import type { Inspection } from './inspect.js';

/** The path a first look at an app measures, and why, for the run's first lines. */
export interface FirstPath {
  path: string;
  why: string;
}

/**
 * A first look (`bench run --app` without a scenario) measures one path. `/` is what a Flask
 * quickstart answers, but a FastAPI app or a Django project often answers it with 404, and a run
 * of 404s measures nothing. So: the health path the user named; else `/` if the app routes it;
 * else the first of its own GET routes without parameters that importing it found; else `/`,
 * saying bench could not read a route that answers.
 */
export function firstLookPath(input: AppInput, app: AppUnderTest, inspection: Inspection | undefined): FirstPath {
  if (input.health !== undefined) return { path: app.health, why: 'the health path --health names' };
  if (app.kind === 'node') return { path: '/', why: 'bench cannot read a Node program’s routes; --path names another' };
  const paths = inspection?.imported ? inspection.paths : undefined;
  if (paths === undefined) return { path: '/', why: 'bench could not read the app’s routes; --path or --health names one that answers' };
  if (paths.includes('/')) return { path: '/', why: 'the app routes it' };
  const first = paths[0];
  if (first === undefined) return { path: '/', why: 'the app has no GET route without parameters that bench found; --path names one' };
  return { path: first, why: `the app routes no /; ${first} is its first GET route without parameters` };
}
