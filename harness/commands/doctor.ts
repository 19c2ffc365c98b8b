import { serverKinds } from '../deployments/kinds.js';
import { describeEnvironment } from '../results/environment.js';
import type { AppUnderTest } from '../results/types.js';
import { UsageError } from '../cli/errors.js';
import { requiredSoftware } from '../plan/build-plan.js';
import { installAllCommand } from '../deployments/stack-packages.js';
import { apache2, DEBIAN_PYTHON, INSTALL_SCRIPT, installCommand, nginx, postgresql, psycogreen, psycopg2, pythonVersion, runProbe, supervisord, type Software } from '../software/catalog.js';
import { alwaysBehindNginx } from '../deployments/kind.js';

interface Line {
  name: string;
  needs: readonly Software[];
  note?: string;
}

/**
 * One line per deployment kind (and nginx and Apache, for +nginx and +apache): available or not, versions, install
 * command. With `python`, the kinds that host a WSGI app, checked in that interpreter: what it can
 * host, and pip (for a virtualenv) or apt (for Debian's Python) for the rest.
 */
export async function doctorCommand(options: { python?: string } = {}): Promise<string> {
  if (options.python !== undefined) return doctorForPython(options.python);
  const lines: Line[] = [
    ...serverKinds.filter((kind) => kind.launch !== 'attach').map((kind) => ({ name: kind.name, needs: kind.requires })),
    { name: 'nginx', needs: [nginx], note: 'in front of any kind with +nginx' },
    { name: 'apache', needs: [apache2], note: 'in front of any kind with +apache or +apache-prefork' },
    { name: 'supervisord', needs: [supervisord], note: 'manager: supervisord on a Python or Node kind' },
    { name: 'postgresql', needs: [postgresql, psycopg2, psycogreen], note: "database: postgres in a scenario, with the Flask app's driver" },
  ];
  const python = await pythonVersion();
  return [
    // bench doctor --server-host shows this answer from another machine: say which bench gave it.
    `Deployment kinds on this machine (bench ${describeEnvironment().benchVersion}, node ${process.version}):`,
    ...(await kindLines(lines)),
    `  ${'python'.padEnd(width(lines))}${python ? `ok       ${python} (the Python deployments run on it)` : 'missing  sudo apt-get install python3-flask'}`,
    '',
    `The whole stack (Debian/Ubuntu): ${installAllCommand()}`,
    `or: ${INSTALL_SCRIPT}. bench run skips what is missing (--strict makes that a failure).`,
  ].join('\n');
}

async function doctorForPython(python: string): Promise<string> {
  const version = await interpreterVersion(python);
  if (!version) throw new UsageError(`--python: ${python} does not run as a Python interpreter`);
  const pythonKinds = serverKinds.filter((kind) => kind.launch !== 'attach' && (kind.hosts.includes('wsgi') || kind.hosts.includes('asgi')));
  const lines: Line[] = pythonKinds.map((kind) => {
    const app = probeApp(python, kind.hosts.includes('wsgi') ? 'wsgi' : 'asgi');
    const planned = { kind, spec: { kind: kind.name, workers: 1, proxy: alwaysBehindNginx(kind) ? 'nginx' : 'none', app }, label: kind.name } as const;
    // Debian's uWSGI plugin embeds Debian's Python; another interpreter's packages reach it only from a virtualenv (--home).
    const note = kind.name === 'uwsgi' && python !== DEBIAN_PYTHON ? "runs Debian's Python 3, with a virtualenv's packages through --home" : undefined;
    return { name: kind.name, needs: requiredSoftware(planned), ...(note && { note }) };
  });
  return [
    `What ${python} (Python ${version}) can host (a WSGI or ASGI app: bench run --app MODULE:ATTRIBUTE --python ${python}):`,
    ...(await kindLines(lines, python)),
  ].join('\n');
}

/** An app that stands for any WSGI (or ASGI) app on this interpreter: only the interpreter matters for what is required. */
function probeApp(python: string, shape: 'wsgi' | 'asgi'): AppUnderTest {
  return shape === 'wsgi' ? { kind: 'wsgi', wsgi: 'app:application', dir: '.', python, health: '/' } : { kind: 'asgi', asgi: 'app:app', dir: '.', python, health: '/' };
}

function width(lines: Line[]): number {
  return Math.max(...lines.map((l) => l.name.length), 'python'.length) + 2;
}

async function kindLines(lines: Line[], python?: string): Promise<string[]> {
  const pad = width(lines);
  return Promise.all(
    lines.map(async ({ name, needs, note }) => {
      const versions = await Promise.all(needs.map((s) => s.detect()));
      const missing = needs.filter((_, i) => !versions[i]);
      const found = needs.length === 0 ? (python ? 'the standard library' : `node ${process.version}`) : needs.map((s, i) => `${s.name} ${versions[i] ?? 'missing'}`).join(', ');
      const status = missing.length ? `missing  ${found}; install with: ${installCommand(missing, python)}` : `ok       ${found}`;
      return `  ${name.padEnd(pad)}${status}${note && !missing.length ? ` (${note})` : ''}`;
    }),
  );
}

function interpreterVersion(python: string): Promise<string | undefined> {
  return runProbe(python, ['-c', 'import platform; print(platform.python_version())']);
}
