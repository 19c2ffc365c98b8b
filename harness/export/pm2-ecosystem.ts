import { UsageError } from '../cli/errors.js';
import type { Pm2App } from '../deployments/pm2.js';
import type { ResultRow, RunResults } from '../results/types.js';
import { header, type Measurement } from './provenance.js';

export const ECOSYSTEM_FILE = 'ecosystem.config.js';

/** Where the exported app listens: the measured run's port was a free one of the moment. */
const LISTEN = { host: '127.0.0.1', port: '8000' };

/** The row of a run measured under pm2 that `--deployment` names (its label or kind), if it names one. */
export function pm2Row(run: RunResults, deployment: string | undefined): ResultRow | undefined {
  if (deployment === undefined) return undefined;
  const rows = run.results.filter((r) => r.manager === 'pm2' && (r.deployment === deployment || r.server === deployment) && r.managerConfig);
  // The highest throughput of its points, as the other exports choose.
  return rows.sort((a, b) => b.throughputRps - a.throughputRps)[0];
}

/**
 * ecosystem.config.js for `pm2 start`: the app as pm2 ran it in the measured row (the process file
 * bench wrote, recorded in the row), listening on 127.0.0.1:8000 (or `listen`) rather than the run's free port,
 * with the deployment's `env:` as the supervisord and systemd exports carry it.
 */
export function pm2Ecosystem(m: Measurement, listen: { host: string; port: string } = LISTEN): string {
  const measured = m.row.managerConfig;
  if (!measured) throw new UsageError(`${m.row.deployment}: the row records no pm2 process file (measured by an older bench); run it again`);
  const [app] = (JSON.parse(measured.text) as { apps: Pm2App[] }).apps;
  if (!app) throw new UsageError(`${m.row.deployment}: the recorded pm2 process file has no app`);
  const args = app.args.map((arg, i) => (app.args[i - 1] === '--port' ? listen.port : app.args[i - 1] === '--host' ? listen.host : arg));
  const env = { ...(app.env && { HOST: listen.host, PORT: listen.port }), ...m.row.serverEnv };
  const exported = { ...app, args, ...(Object.keys(env).length > 0 && { env }) };
  return [
    header(m, 'pm2 process file', '//'),
    `// Start: pm2 start ${ECOSYSTEM_FILE}; ${app.exec_mode === 'cluster' ? 'pm2 reload NAME replaces the instances one by one; ' : ''}pm2 save to keep it across reboots.`,
    `module.exports = ${JSON.stringify({ apps: [exported] }, null, 2)};`,
    '',
  ].join('\n');
}
