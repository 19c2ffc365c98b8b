import { appFromFlags } from '../app/app.js';
import { appScenario } from '../app/scenario.js';
import { UsageError } from '../cli/errors.js';
import { loadScenario } from '../scenario/load.js';

/** --app, --app-dir, --python, --health: the user's app, on `bench run` and `bench tune`. */
export interface AppFlags {
  app?: string;
  appDir?: string;
  python?: string;
  health?: string;
}

/**
 * The scenario a command runs (a file, a built-in, or, with --app and no scenario, a first look
 * at the app) and the app the flags name, apart from the command's other flags.
 */
export function scenarioAndApp<F extends AppFlags>(scenarioName: string | undefined, flags: F) {
  const { app: _app, appDir: _dir, python: _python, health: _health, ...rest } = flags;
  const app = appFromFlags(flags);
  if (scenarioName === undefined && !app) throw new UsageError('name a scenario (bench list shows them), or an app to measure with --app MODULE:CALLABLE or --app FILE.js');
  const scenario = scenarioName === undefined ? appScenario(app!.node !== undefined ? 'node' : 'wsgi') : loadScenario(scenarioName);
  return { scenario, app, rest };
}
