import { basename } from 'node:path';
import { describeGenerator, describeLoad, formatRps, latencyCell } from '../formatting/numbers.js';
import { table } from '../../reports/markdown.js';
import { measuredWithParagraph } from '../tune/measured-on.js';
import { machine } from './provenance.js';
import { supervisorFileName, logFiles } from './supervisor-program.js';
import { unitFileName } from './systemd-unit.js';
import type { ExportTarget } from './target.js';

export const NGINX_SITE_FILE = 'nginx-site.conf';
/** The config file's name in the export folder; undefined for waitress and daphne, whose settings are on their command line. */
export const configFileName = (t: ExportTarget) => (t.configFile ? basename(t.configFile) : undefined);

/** The server's name as its own docs write it. */
const SERVER_NAME = { gunicorn: 'gunicorn', uwsgi: 'uWSGI', waitress: 'waitress', hypercorn: 'hypercorn', daphne: 'daphne' } as const;

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
        ...(config ? [[config, t.configFile!, `${SERVER_NAME[t.format]}'s settings${t.workingDirectory ? '' : ` and the app (${t.app.target} in ${t.app.dir})`}`]] : []),
        [NGINX_SITE_FILE, `/etc/nginx/sites-available/${t.name}`, `nginx on ${t.listen.host}:${t.listen.port} in front of the app server${nginxMeasured ? '' : row.proxy === 'apache' ? ' (not measured: the row ran behind Apache, whose httpd.conf bench does not export)' : ' (not measured: the row ran without nginx)'}`],
        [supervisorFileName(t), `/etc/supervisor/conf.d/${t.name}.conf`, `${SERVER_NAME[t.format]} under supervisord${t.workingDirectory ? `, started in ${t.workingDirectory} with the app (${t.app.target})` : ''}${config ? '' : ` and the settings it was measured with, on its command line (${SERVER_NAME[t.format]} has no config file)`} (logs: ${logFiles(t).out}, ${logFiles(t).err})`],
        [unitFileName(t), `/etc/systemd/system/${unitFileName(t)}`, 'the same under systemd: use it or supervisord, not both'],
      ],
    ),
    '',
    '## How to start it',
    '',
    '```sh',
    ...(config ? [`sudo install -D -m 644 ${config} ${t.configFile}`] : []),
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
