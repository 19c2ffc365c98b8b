import { describeGenerator, describeLoad, formatRps, latencyCell } from '../formatting/numbers.js';
import { table } from '../../reports/markdown.js';
import { measuredWithParagraph } from '../tune/measured-on.js';
import { machine } from './provenance.js';
import { supervisorFileName, logFiles } from './supervisor-program.js';
import { unitFileName } from './systemd-unit.js';
import type { ExportTarget } from './target.js';

export const NGINX_SITE_FILE = 'nginx-site.conf';
export const configFileName = (t: ExportTarget) => (t.kind === 'uwsgi' ? 'uwsgi.ini' : 'gunicorn.conf.py');

/** The export folder's README.md: where each file goes, how to start it, and what it was measured as. */
export function exportReadme(t: ExportTarget): string {
  const { run, row } = t.m;
  const config = configFileName(t);
  const nginxMeasured = row.proxy === 'nginx';
  const health = `http://${t.listen.host}:${t.listen.port}/`;
  return [
    `# ${t.name}: ${row.deployment}, as bench measured it`,
    '',
    `Exported by bench ${run.environment.benchVersion} from \`${t.m.file}\`; chosen as ${t.why}.`,
    'Every setting in these files is the one that measurement ran with, with the measurement in a comment;',
    'what was not measured (addresses, paths, and nginx when it was not in front) says so.',
    '',
    '## Where each file goes',
    '',
    ...table(
      ['file', 'goes to', 'what it is'],
      [false, false, false],
      [
        ...(t.kind === 'waitress' ? [] : [[config, t.configFile, `${t.kind === 'uwsgi' ? 'uWSGI' : 'gunicorn'}'s settings and the app (${t.app.wsgi} in ${t.app.dir})`]]),
        [NGINX_SITE_FILE, `/etc/nginx/sites-available/${t.name}`, `nginx on ${t.listen.host}:${t.listen.port} in front of the app server${nginxMeasured ? '' : row.proxy === 'apache' ? ' (not measured: the row ran behind Apache, whose httpd.conf bench does not export)' : ' (not measured: the row ran without nginx)'}`],
        [supervisorFileName(t), `/etc/supervisor/conf.d/${t.name}.conf`, `the app server under supervisord (logs: ${logFiles(t).out}, ${logFiles(t).err})`],
        [unitFileName(t), `/etc/systemd/system/${unitFileName(t)}`, 'the same under systemd: use it or supervisord, not both'],
      ],
    ),
    '',
    '## How to start it',
    '',
    '```sh',
    ...(t.kind === 'waitress' ? [] : [`sudo install -D -m 644 ${config} ${t.configFile}`]),
    `sudo install -m 644 ${NGINX_SITE_FILE} /etc/nginx/sites-available/${t.name}`,
    `sudo ln -s /etc/nginx/sites-available/${t.name} /etc/nginx/sites-enabled/${t.name}`,
    'sudo nginx -t && sudo systemctl reload nginx',
    '',
    '# either supervisord …',
    `sudo install -m 644 ${supervisorFileName(t)} /etc/supervisor/conf.d/${t.name}.conf`,
    `sudo supervisorctl reread && sudo supervisorctl update && sudo supervisorctl status ${t.name}`,
    '# … or systemd',
    `sudo install -m 644 ${unitFileName(t)} /etc/systemd/system/${unitFileName(t)}`,
    `sudo systemctl daemon-reload && sudo systemctl enable --now ${t.name}`,
    '',
    `curl -i ${health}`,
    '```',
    '',
    '## Where the settings came from',
    '',
    ...table(
      ['', 'measured'],
      [false, false],
      [
        ['scenario', run.scenario],
        ['deployment', row.deployment],
        ['path', row.path],
        ['load level', describeLoad(row)],
        ['throughput', `${formatRps(row.throughputRps)} req/s`],
        ['p99', `${latencyCell(row, 'p99')} ms (${row.samples} samples)`],
        ['window', `${row.durationS} s after ${run.settings.warmupS} s of warm-up, ${row.repeats} repeat(s)`],
        ['date', run.startedAt],
        ['bench', run.environment.benchVersion],
        ['machine', machine(t.m)],
        ['load generator', describeGenerator(row.generator.engine, row.generator.placement)],
        ['nginx in front', nginxMeasured ? 'yes: the site file carries its generated nginx.conf\'s directives' : 'no: nginx-site.conf was not measured'],
      ],
    ),
    '',
    ...measuredWithParagraph(run, row.deployment),
    'The command line it ran with, program first:',
    '',
    '```',
    (row.serverArgs ?? []).join(' '),
    '```',
    '',
  ].join('\n');
}
