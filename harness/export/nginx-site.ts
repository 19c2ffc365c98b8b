import { nginxString } from '../deployments/nginx-string.js';
import { header, measuredFigures } from './provenance.js';
import { addressText } from './address.js';
import type { ExportTarget } from './target.js';

/** What the row's generated nginx.conf set, as far as a site file can carry it. */
interface MeasuredNginx {
  /** Directives of `location /` other than the pass and the params, e.g. "proxy_set_header Host $host;". */
  location: string[];
  /** Server-level directives from its http block: keepalive_timeout, keepalive_requests. */
  server: string[];
  /** `keepalive N` of an upstream block, when it had one. */
  upstreamKeepalive?: string;
  /** events { worker_connections N }: nginx.conf's, not a site file's, so only mentioned. */
  workerConnections?: string;
  /** Directives of `location /static/`, when nginx answered the static files itself (`static: web-server`). */
  staticLocation?: string[];
}

/** The pass, the params (the site file includes the server's own uwsgi_params) and comments are the export's to write. */
const NOT_COPIED = /^(#|(proxy_pass|uwsgi_pass|uwsgi_param|fastcgi_pass|fastcgi_param|include)\b)/;
const SERVER_LEVEL = /^(keepalive_timeout|keepalive_requests|client_max_body_size|client_body_buffer_size)\b/;

function directives(block: string): string[] {
  return block.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !NOT_COPIED.test(l));
}

function parseNginx(config: string): MeasuredNginx {
  const location = /location \/ \{\n([\s\S]*?)\n\s*\}/.exec(config)?.[1] ?? '';
  const upstream = /upstream\s+\S+\s*\{([^}]*)\}/.exec(config)?.[1] ?? '';
  return {
    location: directives(location),
    server: config.split('\n').map((l) => l.trim()).filter((l) => SERVER_LEVEL.test(l)),
    upstreamKeepalive: /(?:^|\n)\s*(keepalive\s+\d+;)/.exec(upstream)?.[1],
    workerConnections: /worker_connections\s+(\d+);/.exec(config)?.[1],
    staticLocation: /location \/static\/ \{\n([\s\S]*?)\n\s*\}/.exec(config)?.[1]?.split('\n').map((l) => l.trim()).filter(Boolean),
  };
}

/** The read timeout in seconds: never shorter than the app server's worker timeout, or nginx gives up on requests the app is still allowed to finish. */
function readTimeout(t: ExportTarget, measured: string[], prefix: string): { line: string; note: string } {
  const found = measured.find((l) => l.startsWith(`${prefix}_read_timeout`));
  const measuredS = found ? parseSeconds(found) : undefined;
  const workerS = t.workerTimeoutS;
  if (measuredS !== undefined && (workerS === null || measuredS >= workerS)) return { line: found!, note: 'measured' };
  if (workerS === null) return { line: `${prefix}_read_timeout 60s;`, note: "nginx's default, as measured; the app server has no worker timeout" };
  return { line: `${prefix}_read_timeout ${workerS}s;`, note: `not measured: the app server's worker timeout (${workerS} s), so nginx never gives up on a request the worker may still finish` };
}

function parseSeconds(directive: string): number | undefined {
  const m = /\s(\d+)(s?);$/.exec(directive);
  return m ? Number(m[1]) : undefined;
}

/** nginx answering /static/ from a folder, as measured: the folder was bench's own, so the file says to point it at the app's. */
function staticLocation(directives: string[] | undefined, tag: string): string[] {
  if (!directives) return [];
  return [
    '    # nginx answered /static/ from a folder itself (static: web-server), not the app: that folder held',
    "    # bench's demo files; point alias at your app's static folder, keeping the trailing slash, and",
    "    # drop the types line, which names bench's two kinds of file only, for your mime.types.",
    '    location /static/ {',
    ...directives.map((l) => `        ${l}  ${tag}`),
    '    }',
  ];
}

/** nginx-site.conf: the upstream and a server block for /etc/nginx/sites-available, as measured when nginx was in front. */
export function nginxSite(t: ExportTarget): string {
  const config = t.m.row.proxy === 'nginx' ? t.m.row.nginxConfig : undefined;
  const measured = config ? parseNginx(config) : undefined;
  const prefix = t.protocol === 'uwsgi' ? 'uwsgi' : 'proxy';
  const tag = measured ? `# measured: ${measuredFigures(t.m)}` : '# not measured: nginx\'s default';
  const location = measured?.location.filter((l) => !l.startsWith(`${prefix}_read_timeout`) && !l.startsWith(`${prefix}_buffering`)) ??
    (t.protocol === 'http' ? ['proxy_set_header Host $host;'] : []);
  const timeout = readTimeout(t, measured?.location ?? [], prefix);
  const measuredBuffering = measured?.location.find((l) => l.startsWith(`${prefix}_buffering`));
  const buffering = measuredBuffering ?? `${prefix}_buffering on;`;
  const bufferingNote = measuredBuffering ? 'measured' : measured ? "nginx's default, as measured" : "not measured: nginx's default";
  const server = addressText(t.bind, 'unix:');
  const lines = [
    header(t.m, `nginx site for ${t.name}`, '#'),
    ...(measured
      ? ['# nginx was in front in that measurement: the directives below are its generated nginx.conf\'s.']
      : [
          `# NOT MEASURED: ${t.m.row.deployment} ran without nginx, so nothing in this file was measured. It is`,
          ...(t.format === 'hypercorn' || t.format === 'daphne'
            ? ['# here because nginx is where TLS, static files and buffering usually live in front of an ASGI server.']
            : [
                '# here because sync workers belong behind a buffering proxy: nginx reads slow clients\' requests',
                '# and responses whole, so a slow client ties up nginx rather than one of the workers.',
              ]),
        ]),
    ...(measured?.workerConnections ? [`# The measured nginx.conf had events { worker_connections ${measured.workerConnections}; } (nginx.conf's, not a site's).`] : []),
    '',
    `upstream ${t.name} {`,
    `    server ${server.startsWith('unix:') ? nginxString(server, false) : server};`,
    ...(measured?.upstreamKeepalive
      ? [`    ${measured.upstreamKeepalive}  ${tag}`]
      : [`    # no keepalive to the upstream, as measured: one connection per request${t.format === 'gunicorn' || t.format === 'uwsgi' ? ', which sync workers expect' : ''}`]),
    '}',
    '',
    'server {',
    `    listen ${t.listen.host}:${t.listen.port};`,
    ...(measured?.server ?? []).map((l) => `    ${l}  ${tag}`),
    '    location / {',
    ...(t.protocol === 'uwsgi' ? [`        include uwsgi_params;  ${measured ? '# measured: Debian\'s uwsgi_params' : '# not measured'}`] : []),
    `        ${prefix}_pass ${t.protocol === 'uwsgi' ? t.name : `http://${t.name}`};`,
    ...location.map((l) => `        ${l}  ${tag}`),
    `        ${buffering}  # ${bufferingNote}${buffering.endsWith(' on;') ? ': responses are buffered whole, which is what protects sync workers' : ''}`,
    `        ${timeout.line}  # ${timeout.note}`,
    '    }',
    ...staticLocation(measured?.staticLocation, tag),
    '}',
    '',
  ];
  return lines.join('\n');
}
