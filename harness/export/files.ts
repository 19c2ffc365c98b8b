import { gunicornConf } from './gunicorn-conf.js';
import { hypercornToml } from './hypercorn-toml.js';
import { nginxSite } from './nginx-site.js';
import { configFileName, exportReadme, NGINX_SITE_FILE } from './readme.js';
import { supervisorFileName, supervisorProgram } from './supervisor-program.js';
import { systemdUnit, unitFileName } from './systemd-unit.js';
import type { ExportTarget } from './target.js';
import { uwsgiIni } from './uwsgi-ini.js';

/** Every file of an export, by name in the export folder. All are rendered before any is written. */
export function exportFiles(t: ExportTarget): [string, string][] {
  const config = { gunicorn: gunicornConf, uwsgi: uwsgiIni, waitress: undefined, hypercorn: hypercornToml, daphne: undefined }[t.format];
  const name = configFileName(t);
  return [
    ...(config && name ? [[name, config(t)] as [string, string]] : []),
    [NGINX_SITE_FILE, nginxSite(t)],
    [supervisorFileName(t), supervisorProgram(t)],
    [unitFileName(t), systemdUnit(t)],
    ['README.md', exportReadme(t)],
  ];
}
