import { expect, it } from 'vitest';
import { cgiLauncher } from '../harness/deployments/python.js';
import { fcgiwrap, flask, gunicorn, nginx, uwsgi } from '../harness/software/catalog.js';
import { withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

const describeStack = await describeWith([flask, gunicorn, uwsgi, nginx, fcgiwrap]);

// A quote, spaces, `$` (a variable to nginx), `;`, braces and a backslash: what a config must escape.
const ODD = 'bench tmp "q" $x; y \\ {z}-';

describeStack(`deployments behind nginx in a temp folder named like ${ODD}`, () => {
  const specs = [
    { kind: 'cgi', workers: 1 },
    { kind: 'gunicorn-sync', workers: 1, proxy: 'nginx' as const },
    { kind: 'uwsgi', workers: 1, proxy: 'nginx' as const },
  ];
  for (const spec of specs) {
    it(`${spec.kind} starts there and answers /hello through nginx`, async () => {
      await withDeployment(spec, async (d, tmpDir) => {
        expect(tmpDir).toContain(ODD);
        const hello = await fetch(`${d.baseUrl}/hello`);
        expect(hello.status).toBe(200);
        expect(await hello.json()).toEqual({ hello: 'world' });
      }, ODD);
    });
  }
});

describeStack('paths a server cannot take as they are', () => {
  it('uWSGI refuses a temp folder holding $( before it would replace it with an environment variable', async () => {
    const started = withDeployment({ kind: 'uwsgi', workers: 1, proxy: 'nginx' }, async () => {}, 'bench $(HOME)-');
    await expect(started).rejects.toThrow(/bench \$\(HOME\)-\w+.*"\$\("/);
  });

  it('uWSGI refuses a temp folder holding a colon, which would make its socket a TCP address', async () => {
    const started = withDeployment({ kind: 'uwsgi', workers: 1, proxy: 'nginx' }, async () => {}, 'bench a:b-');
    await expect(started).rejects.toThrow(/bench a:b-\w+.*":"/);
  });
});

it('the CGI launcher refuses a Python whose path a #! line cannot hold', () => {
  expect(() => cgiLauncher('/opt/my python/bin/python3', '/srv/cgi_app.py')).toThrow(/"\/opt\/my python\/bin\/python3".*#!/);
  expect(cgiLauncher('/usr/bin/python3', '/srv/a "b"/cgi_app.py')).toBe(
    '#!/usr/bin/python3\nimport runpy\nrunpy.run_path("/srv/a \\"b\\"/cgi_app.py", run_name="__main__")\n',
  );
});
