import { describe, expect, it } from 'vitest';
import { exportFiles } from '../harness/export/files.js';
import { exportTarget } from '../harness/export/target.js';
import type { AppUnderTest, EffectiveSettings } from '../harness/results/types.js';
import { row, run } from './support/results.js';

const PYTHON = '/usr/bin/python3';

const hypercornSettings: EffectiveSettings = {
  source: "hypercorn's Config as its command line resolves it",
  readBack: true,
  settings: {
    bind: ['127.0.0.1:41234'], workers: 2, worker_class: 'asyncio', keep_alive_timeout: 7, backlog: 100, graceful_timeout: 3,
    read_timeout: null, accesslog: null, errorlog: '-', loglevel: 'INFO', server_names: [], debug: true,
  },
};

const hypercornRow = row({
  deployment: 'hypercorn+nginx ×2',
  server: 'hypercorn',
  proxy: 'nginx',
  workers: 2,
  concurrency: 64,
  throughputRps: 1180,
  serverArgs: [PYTHON, '-u', '-m', 'hypercorn', '--bind', '127.0.0.1:41234', '--workers', '2', '--keep-alive', '7', '--debug', 'asgi_app:app'],
  effectiveSettings: hypercornSettings,
  nginxConfig: 'upstream app {\n  server 127.0.0.1:41234;\n  keepalive 16;\n}\nlocation / {\n  proxy_pass http://app;\n  proxy_http_version 1.1;\n}\n',
});

const daphneRow = row({
  deployment: 'daphne',
  server: 'daphne',
  workers: 1,
  concurrency: 16,
  throughputRps: 290,
  serverArgs: [PYTHON, '-u', '-m', 'daphne', '-b', '127.0.0.1', '-p', '41235', '--proxy-headers', '-t', '90', 'asgi_app:app'],
  effectiveSettings: { source: "daphne's command line as daphne parses it", readBack: true, settings: { http_timeout: 90, proxy_forwarded_address_header: 'X-Forwarded-For' } },
});

const shop: AppUnderTest = { kind: 'asgi', asgi: 'shop.main:app', dir: '/srv/shop', python: '/opt/shop/venv/bin/python', health: '/healthz' };

function files(rows: ReturnType<typeof row>[], deployment: string, options: { app?: AppUnderTest; bind?: string } = {}): Record<string, string> {
  const results = run(rows, { settings: { ...(options.app && { app: options.app }) } });
  const target = exportTarget(results, 'runs/asgi/results.json', { to: 'out', deployment, ...(options.bind && { bind: options.bind }) });
  return Object.fromEntries(exportFiles(target));
}

describe('bench export of a hypercorn deployment', () => {
  it('writes hypercorn.toml with every setting hypercorn resolved, each citing its flag and the measurement, and the bind asked for', () => {
    const toml = files([hypercornRow], 'hypercorn+nginx ×2', { bind: '127.0.0.1:9000' })['hypercorn.toml']!;
    expect(toml).toMatch(/^bind = "127\.0\.0\.1:9000"  # not measured: bench export --bind/m);
    expect(toml).toMatch(/^workers = 2  # --workers 2; hypercorn's Config as its command line resolves it, measured: 1180.0 req\/s, p99 60.0 ms at c=64 on \/io\?ms=50$/m);
    expect(toml).toMatch(/^worker_class = "asyncio"  # hypercorn's Config/m);
    expect(toml).toMatch(/^keep_alive_timeout = 7  # --keep-alive 7;/m);
    expect(toml).toMatch(/^debug = true  # --debug;/m);
    expect(toml).toMatch(/^server_names = \[\]  #/m);
    expect(toml).toMatch(/^# read_timeout: unset \(None\), as measured$/m);
    // The CLI sets the log level itself and the measured bind was a test port: neither goes in the file.
    expect(toml).not.toMatch(/^loglevel|41234/m);
  });

  it('starts hypercorn with the config and the app, in the app folder, under supervisord and systemd, behind the measured nginx', () => {
    const out = files([hypercornRow], 'hypercorn+nginx ×2');
    expect(out['supervisor-bench-demo.conf']).toMatch(/^command=\/usr\/bin\/python3 -u -m hypercorn --config \/etc\/bench-demo\/hypercorn.toml asgi_app:app$/m);
    expect(out['supervisor-bench-demo.conf']).toMatch(/^directory=\S+servers\/python$/m);
    expect(out['bench-demo.service']).toMatch(/^ExecStart=\/usr\/bin\/python3 -u -m hypercorn --config \/etc\/bench-demo\/hypercorn.toml asgi_app:app$/m);
    expect(out['bench-demo.service']).toMatch(/^WorkingDirectory=\S+servers\/python$/m);
    expect(out['nginx-site.conf']).toMatch(/^ {4}keepalive 16;  # measured/m);
    expect(out['README.md']).toMatch(/\| hypercorn\.toml \| \/etc\/bench-demo\/hypercorn\.toml \| hypercorn's settings \|/);
    expect(out['README.md']).toContain('sudo install -D -m 644 hypercorn.toml /etc/bench-demo/hypercorn.toml');
  });

  it("runs a user's ASGI app on its own interpreter, under the name of its module", () => {
    const out = files([hypercornRow], 'hypercorn+nginx ×2', { app: shop });
    expect(out['supervisor-shop.conf']).toMatch(/^command=\/opt\/shop\/venv\/bin\/python -m hypercorn --config \/etc\/shop\/hypercorn.toml shop.main:app$/m);
    expect(out['supervisor-shop.conf']).toMatch(/^directory=\/srv\/shop$/m);
    expect(out['hypercorn.toml']).toContain("# The app: the run's app (settings.app); shop.main:app, given on the command line, imported from /srv/shop.");
  });
});

describe('bench export of a daphne deployment', () => {
  it('writes no config file: the measured flags go on the command line with the bind asked for, under supervisord and systemd', () => {
    const out = files([daphneRow], 'daphne', { bind: '127.0.0.1:9001' });
    expect(Object.keys(out).sort()).toEqual(['README.md', 'bench-demo.service', 'nginx-site.conf', 'supervisor-bench-demo.conf']);
    expect(out['supervisor-bench-demo.conf']).toMatch(/^command=\/usr\/bin\/python3 -u -m daphne -b 127\.0\.0\.1 -p 9001 --proxy-headers -t 90 asgi_app:app$/m);
    expect(out['bench-demo.service']).toMatch(/^ExecStart=\/usr\/bin\/python3 -u -m daphne -b 127\.0\.0\.1 -p 9001 --proxy-headers -t 90 asgi_app:app$/m);
    expect(out['README.md']).not.toContain('sudo install -D -m 644');
    expect(out['README.md']).toMatch(/daphne under supervisord, started in \S+ with the app \(asgi\\_app:app\) and the settings it was measured with, on its command line/);
    // nginx waits at least as long as daphne's own --http-timeout lets a request run.
    expect(out['nginx-site.conf']).toMatch(/^ {8}proxy_read_timeout 90s;/m);
  });

  it('listens on a Unix socket with -u when --bind names one', () => {
    const out = files([daphneRow], 'daphne', { bind: '/run/shop.sock', app: shop });
    expect(out['supervisor-shop.conf']).toMatch(/^command=\/opt\/shop\/venv\/bin\/python -m daphne -u \/run\/shop.sock --proxy-headers -t 90 shop.main:app$/m);
  });
});

describe('bench export of gunicorn-uvicorn with a user\'s ASGI app', () => {
  it("names uvicorn's worker class and the user's ASGI app in gunicorn.conf.py, started on the app's interpreter", () => {
    const gunicornUvicornRow = row({
      deployment: 'gunicorn-uvicorn ×2',
      server: 'gunicorn-uvicorn',
      workers: 2,
      concurrency: 16,
      throughputRps: 300,
      serverArgs: ['/opt/shop/venv/bin/python', '-u', '-m', 'gunicorn', '--chdir', '/srv/shop', '--bind', '127.0.0.1:41236', '--workers', '2', '--worker-class', 'uvicorn.workers.UvicornWorker', 'shop.main:app'],
    });
    const out = files([gunicornUvicornRow], 'gunicorn-uvicorn ×2', { app: shop });
    expect(out['gunicorn.conf.py']).toMatch(/^worker_class = "uvicorn\.workers\.UvicornWorker"  # --worker-class/m);
    expect(out['gunicorn.conf.py']).toMatch(/^wsgi_app = "shop\.main:app"$/m);
    expect(out['supervisor-shop.conf']).toMatch(/^command=\/opt\/shop\/venv\/bin\/python -m gunicorn -c \/etc\/shop\/gunicorn\.conf\.py$/m);
  });
});
