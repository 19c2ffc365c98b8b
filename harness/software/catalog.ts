import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isExecutable } from '../files/file-kind.js';
import { delimiter, dirname, join } from 'node:path';

/**
 * Software outside npm that some deployment kinds need, found on this machine or not. Everything
 * comes from Debian's packages; `apt` names exactly what to install when it is missing.
 */
export interface Software {
  name: string;
  apt: string[];
  /** The version found, or undefined when it is missing or unusable. */
  detect(): Promise<string | undefined>;
  /** A Python module: the same module looked up in another interpreter (a user's virtualenv). */
  inInterpreter?(python: string): Software;
  /** Its name on PyPI, for `pip install` into a virtualenv. */
  pip?: string;
  /** An npm package bench installs into its own folder (nodeToolsDir), pinned: never one of bench's own dependencies. */
  npm?: { package: string; version: string };
}

export const INSTALL_SCRIPT = 'bench install-servers';

/**
 * The install command for a set of missing pieces: Debian's packages, or pip for Python modules a
 * user's own interpreter lacks (a virtualenv does not see Debian's packages).
 */
export function installCommand(missing: readonly Software[], python?: string): string {
  if (python && python !== DEBIAN_PYTHON) {
    const pip = missing.filter((s) => s.pip);
    const apt = missing.filter((s) => !s.pip);
    const commands = [
      ...(pip.length > 0 ? [`${python} -m pip install ${pip.map((s) => s.pip).join(' ')}`] : []),
      ...(apt.length > 0 ? [installCommand(apt)] : []),
    ];
    return commands.join(' and ');
  }
  const packages = [...new Set(missing.flatMap((s) => s.apt))];
  const npm = missing.some((s) => s.npm) ? [`${INSTALL_SCRIPT} --npm-only`] : [];
  return [...(packages.length > 0 ? [`sudo apt-get install ${packages.join(' ')}`] : []), ...npm].join(' and ');
}

/**
 * The folder bench installs Node's process managers into (pm2, forever): $BENCH_NODE_TOOLS, else
 * bench's own under the user's data folder, so that they are neither bench's npm dependencies nor
 * a global install that would shadow (or be) the user's own.
 */
export function nodeToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BENCH_NODE_TOOLS) return env.BENCH_NODE_TOOLS;
  const data = env.XDG_DATA_HOME || join(env.HOME ?? homedir(), '.local', 'share');
  return join(data, 'bench', 'node-tools');
}

/** The version of `pkg` installed in a node-tools folder, from its package.json; undefined when it is not there. */
export function installedNpmVersion(dir: string, pkg: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** An npm package's program, pinned, found in nodeToolsDir()'s node_modules/.bin, its version read from its package.json. */
export function npmProgram(pkg: string, version: string, bin = pkg): Software & { bin(): string } {
  return {
    name: pkg,
    apt: [],
    npm: { package: pkg, version },
    bin: () => join(nodeToolsDir(), 'node_modules', '.bin', bin),
    detect: async () => {
      const dir = nodeToolsDir();
      const found = isExecutable(join(dir, 'node_modules', '.bin', bin)) ? installedNpmVersion(dir, pkg) : undefined;
      return found && `${found} (${dir})`;
    },
  };
}

/** Node's process managers, the kinds pm2, pm2-cluster and forever: the versions bench is measured with. */
export const pm2 = npmProgram('pm2', '7.0.4');
export const forever = npmProgram('forever', '4.0.3');

/** The interpreter Debian's python3-* packages install into. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** System folders hold nginx and fcgiwrap, and a non-root PATH often leaves them out. */
const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/bin'];

export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...EXTRA_DIRS].filter(Boolean);
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

/** Runs a probe command; resolves to its combined output, or undefined when it fails. */
export function runProbe(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000 }, (err, stdout, stderr) =>
      resolve(err ? undefined : `${stdout}${stderr}`.trim()),
    );
  });
}

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => (cached ??= compute());
}

const pythons = new Map<string, Promise<string | undefined>>();

/**
 * The Python that has Debian's `module`: Flask for the demo's WSGI app, uvicorn for its ASGI one.
 * /usr/bin/python3 first, because a pyenv or venv python3 earlier on PATH usually lacks the
 * apt-installed modules.
 */
export function findPython(module = 'flask'): Promise<string | undefined> {
  let found = pythons.get(module);
  if (!found) {
    found = (async () => {
      for (const candidate of [DEBIAN_PYTHON, findExecutable('python3')]) {
        if (candidate && (await runProbe(candidate, ['-c', `import ${module}`])) !== undefined) return candidate;
      }
      return undefined;
    })();
    pythons.set(module, found);
  }
  return found;
}

/** A Python package found by importing it, in Debian's Python unless `interpreter` finds another: a kind's module may declare its own. */
export function pythonModule(name: string, distribution: string, apt: string, interpreter = () => findPython()): Software {
  return {
    name,
    apt: [apt],
    pip: distribution,
    detect: once(async () => {
      const python = await interpreter();
      if (!python) return undefined;
      return runProbe(python, ['-c', `from importlib.metadata import version; import ${name}; print(version("${distribution}"))`]);
    }),
    inInterpreter: (python) => pythonModule(name, distribution, apt, async () => python),
  };
}

/** The same Software for the interpreter a user's app runs on (Python modules only; the rest is the same everywhere). */
export function softwareFor(software: Software, python: string | undefined): Software {
  return python && software.inInterpreter ? software.inInterpreter(python) : software;
}

export const flask = pythonModule('flask', 'flask', 'python3-flask');

/** "3.11.2 (/usr/bin/python3)": the interpreter the Python deployments run on. */
export const pythonVersion = once(async (): Promise<string | undefined> => {
  const python = await findPython();
  const version = python && (await runProbe(python, ['--version']));
  return version && `${version.replace('Python ', '')} (${python})`;
});

export const gunicorn = pythonModule('gunicorn', 'gunicorn', 'gunicorn');
export const gevent = pythonModule('gevent', 'gevent', 'python3-gevent');
/** The ASGI kinds' server and the demo's ASGI framework, looked up in the Python that has uvicorn. */
export const uvicorn = pythonModule('uvicorn', 'uvicorn', 'python3-uvicorn', () => findPython('uvicorn'));
export const starlette = pythonModule('starlette', 'starlette', 'python3-starlette', () => findPython('uvicorn'));

/** The demo Flask app's PostgreSQL driver, and what makes it wait cooperatively under gevent. */
export const psycopg2 = pythonModule('psycopg2', 'psycopg2', 'python3-psycopg2');
/** The ASGI demo app's driver, whose queries its event loop awaits. */
export const asyncpg = pythonModule('asyncpg', 'asyncpg', 'python3-asyncpg', () => findPython('uvicorn'));
export const psycogreen = pythonModule('psycogreen', 'psycogreen', 'python3-psycogreen');

/**
 * FastAPI (Debian's 0.92, Starlette and anyio under it): no kind needs it, but it is what most ASGI
 * apps people bring are written with, and what the tests' stand-in for such an app uses, so the stack has it.
 */
export const fastapi = pythonModule('fastapi', 'fastapi', 'python3-fastapi');

const DEBIAN_POSTGRESQL = '/usr/lib/postgresql';

/**
 * The folder of PostgreSQL's server programs (postgres, initdb). Debian keeps them off PATH, in
 * /usr/lib/postgresql/MAJOR/bin (the newest major wins); other systems put them on PATH.
 */
export function postgresBinDir(): string | undefined {
  let majors: string[] = [];
  try {
    majors = readdirSync(DEBIAN_POSTGRESQL).filter((entry) => /^\d+$/.test(entry)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // not Debian's layout
  }
  const debian = majors.map((major) => join(DEBIAN_POSTGRESQL, major, 'bin')).find((dir) => isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres')));
  const onPath = findExecutable('postgres');
  return debian ?? (onPath && isExecutable(join(dirname(onPath), 'initdb')) ? dirname(onPath) : undefined);
}

export const postgresql: Software = {
  name: 'postgresql',
  apt: ['postgresql'],
  // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
  detect: once(async () => {
    const dir = postgresBinDir();
    const out = dir && (await runProbe(join(dir, 'postgres'), ['--version']));
    return out?.replace(/^postgres \(PostgreSQL\) /, '');
  }),
};

export const uwsgi: Software = {
  name: 'uwsgi',
  apt: ['uwsgi', 'uwsgi-plugin-python3'],
  // --need-plugin fails unless the python3 plugin loads, so this checks both packages.
  detect: once(async () => {
    const bin = findExecutable('uwsgi');
    return bin && runProbe(bin, ['--need-plugin', 'python3', '--version']);
  }),
};

export const nginx: Software = {
  name: 'nginx',
  apt: ['nginx'],
  detect: once(async () => {
    const bin = findExecutable('nginx');
    const out = bin && (await runProbe(bin, ['-v']));
    return out?.replace(/^nginx version: nginx\//, '');
  }),
};

/** Debian keeps Apache's modules here; bench loads each one it needs by path (apache.ts), with no Include of /etc/apache2. */
export const APACHE_MODULES = '/usr/lib/apache2/modules';

function hasApacheModule(name: string): boolean {
  try {
    accessSync(join(APACHE_MODULES, `mod_${name}.so`), constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export const apache2: Software = {
  name: 'apache2',
  apt: ['apache2'],
  // "Server version: Apache/2.4.71 (Debian)"; the MPM and proxy modules come in the same package.
  detect: once(async () => {
    const bin = findExecutable('apache2');
    const out = bin && hasApacheModule('mpm_event') ? await runProbe(bin, ['-v']) : undefined;
    return /Apache\/(\S+)/.exec(out ?? '')?.[1];
  }),
};

/** mod_wsgi for Debian's Python 3: a module file, with no program of its own to ask. */
export const modWsgi: Software = {
  name: 'mod_wsgi',
  apt: ['libapache2-mod-wsgi-py3'],
  detect: once(async () => {
    if (!hasApacheModule('wsgi')) return undefined;
    return (await runProbe('dpkg-query', ['-W', '-f=${Version}', 'libapache2-mod-wsgi-py3'])) || 'found';
  }),
};

/** A program that tells no version of its own: the package manager knows it, when it installed it. */
export function packagedProgram(executable: string, apt: string): Software {
  return {
    name: executable,
    apt: [apt],
    detect: once(async () => {
      if (!findExecutable(executable)) return undefined;
      return (await runProbe('dpkg-query', ['-W', '-f=${Version}', apt])) || 'found';
    }),
  };
}

/** fcgiwrap has no --version. */
export const fcgiwrap = packagedProgram('fcgiwrap', 'fcgiwrap');
/** Locust, the load engine of --generator locust (not a server): Debian's build reports an empty version. */
export const locust = packagedProgram('locust', 'python3-locust');
/** wrk, the load engine of --generator wrk. */
export const wrk = packagedProgram('wrk', 'wrk');

/** Which of `needed` are missing here. */
export async function missingSoftware(needed: readonly Software[]): Promise<Software[]> {
  const versions = await Promise.all(needed.map((s) => s.detect()));
  return needed.filter((_, i) => !versions[i]);
}

/** supervisord, which runs a deployment with `manager: supervisord` (and reads the program file `bench export` writes). */
export const supervisord = packagedProgram('supervisord', 'supervisor');
