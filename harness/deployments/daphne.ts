import type { SpawnPlan } from '../process/group.js';
import type { EffectiveSettings } from '../results/types.js';
import { settingsReadBy } from './effective-settings.js';
import { findPython, pythonModule, starlette } from '../software/catalog.js';
import { asgiTarget, eventLoop } from './asgi.js';
import type { ServerKind } from './kind.js';
import { ADDRESS, python } from './python.js';

/** Debian's python3-daphne has no daphne script: it runs as `python3 -m daphne`. */
export const daphneModule = pythonModule('daphne', 'daphne', 'python3-daphne', () => findPython('daphne'));

/**
 * Prints, as JSON, the settings daphne's command line resolves to, from the keywords its CLI hands
 * its Server, in place of serving (the app is imported first, as daphne does before it serves).
 */
const PRINT_SETTINGS = `
import json, sys
from daphne.cli import CommandLineInterface
class Show:
    def __init__(self, **kwargs):
        skip = {"application", "action_logger"}
        def plain(v):
            if v is None or isinstance(v, (bool, int, float, str)): return v
            if isinstance(v, (list, tuple)): return [str(x) for x in v]
            return str(v)
        kwargs["access_log"] = kwargs.get("action_logger") is not None
        print(json.dumps({k: plain(v) for k, v in kwargs.items() if k not in skip}))
    def run(self):
        pass
cli = CommandLineInterface()
cli.server_class = Show
cli.run(sys.argv[1:])
`;

/** What daphne will run with, read back from its own argument parsing. */
export async function daphneEffectiveSettings(plan: SpawnPlan): Promise<EffectiveSettings> {
  const settings = await settingsReadBy(plan, 'daphne', ['-c', PRINT_SETTINGS]);
  return { source: "daphne's command line as daphne parses it (daphne has no config file)", readBack: true, settings };
}

export const daphneKind: ServerKind = {
  ...eventLoop,
  name: 'daphne',
  summary: "Django Channels' daphne: one process, one event loop (Twisted on asyncio) for the demo's ASGI app or yours",
  hosts: ['demo', 'asgi'],
  requires: [daphneModule, starlette],
  demoOnly: [starlette],
  args: { forbidden: {
    '-b': ADDRESS, '--bind': ADDRESS, '-p': ADDRESS, '--port': ADDRESS, '-u': ADDRESS, '--unix-socket': ADDRESS,
    '--fd': ADDRESS, '-e': ADDRESS, '--endpoint': ADDRESS,
  } },
  effectiveSettings: daphneEffectiveSettings,
  exportAs: 'daphne',
  plan: async (spec, ctx) => {
    const app = asgiTarget(spec);
    return {
      ...(await python({ ...app, foundBy: app.python ? undefined : daphneModule }, [
        '-m', 'daphne', '-b', ctx.host, '-p', String(ctx.port), ...(spec.args ?? []), app.target,
      ])),
      // daphne imports module:attr from its working folder (it puts "." on sys.path).
      cwd: app.dir,
    };
  },
};
