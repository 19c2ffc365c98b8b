import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../harness/results/types.js';
import { workFolder } from './support/cli.js';
import { startServe } from './support/serve.js';

// bench as a user gets it from npm: `npm pack` in this checkout, the
// tarball installed with --omit=dev into a folder of the user's own, and the installed `bench`
// run there. Nothing of this checkout is on the path the installed bench takes.
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string; files: string[]; scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const work = workFolder('package');
const packDir = join(work, 'pack');
const user = join(work, 'user');
const installed = join(user, 'node_modules', manifest.name);
const bin = join(user, 'node_modules', '.bin', 'bench');
const NODE_KINDS = ['node-blocking', 'node-prefork', 'node-async'];

interface Packed {
  filename: string;
  size: number;
  files: { path: string }[];
}
let packed: Packed;

function npm(args: string[], cwd: string) {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 240_000 });
  expect(r.status, `npm ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The installed bench, run as a user runs it: its own #! line, in the user's folder. */
function bench(...args: string[]) {
  const r = spawnSync(bin, args, { cwd: user, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under dir, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

beforeAll(() => {
  mkdirSync(packDir);
  mkdirSync(user);
  // The user's own folder; its package.json keeps npm from taking a folder above it for the project.
  writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'my-benchmarks', private: true }));
  // --ignore-scripts: the e2e tier's global setup has just run the very build that prepare runs (npm run
  // build, from an empty dist/); building again here cost 20–40 s on 2 cores. That prepare builds is checked below.
  [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], process.cwd())) as Packed[];
  npm(['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(packDir, packed!.filename)], user);
}, 300_000);

describe('bench installed from its npm package', () => {
  it('builds as it is packed: npm runs prepare, the build, before npm pack and npm publish', () => {
    expect(manifest.scripts.prepare).toBe('npm run build');
    expect(manifest.scripts.build).toMatch(/rmSync\('dist'.*tsc -p tsconfig\.json && tsc -p web\/tsconfig\.json/);
  });

  it('packs the compiled CLI, every file bench reads at run time and every docs/ file the README shows or links, and no tests, sources, source maps or results', () => {
    const files = packed.files.map((f) => f.path);
    const readme = readFileSync('README.md', 'utf8');
    const images = [...readme.matchAll(/\]\((docs\/[^)#]+\.(?:png|md))(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    expect(images.filter((f) => f.endsWith('.png')).length).toBeGreaterThan(0);
    expect(images.filter((f) => f.endsWith('.md')).length).toBeGreaterThan(0);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/bench.js',
        'dist/harness/cli.js',
        'dist/servers/node/server.js',
        'dist/web/index.html',
        'servers/python/app.py',
        'servers/nginx/nginx.conf.template',
        'scenarios/blocking-vs-workers.yaml',
        'scripts/install-servers.sh',
        'README.md',
        ...images,
      ]),
    );
    const stray = files.filter((f) => /^(test|node_modules|results|web|harness\/.*\.ts$)|\.map$|__pycache__/.test(f));
    expect(stray).toEqual([]);
    const shipped = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(shipped.private).toBeUndefined();
    expect(shipped.name).toBe(manifest.name);
  });

  it('installs with --omit=dev: the runtime dependencies and no TypeScript, test tools or build', () => {
    for (const dev of Object.keys(manifest.devDependencies)) expect(existsSync(join(user, 'node_modules', dev)), dev).toBe(false);
    for (const dep of Object.keys(manifest.dependencies)) expect(existsSync(join(user, 'node_modules', dep)), dep).toBe(true);
    expect(existsSync(join(installed, 'dist', 'harness', 'cli.js'))).toBe(true);
  });

  it('finds every file its paths module names inside the installed package', async () => {
    const paths = (await import(join(installed, 'dist', 'harness', 'files', 'bench-paths.js'))) as Record<string, string>;
    expect(paths.projectRoot).toBe(resolve(installed));
    for (const [name, path] of Object.entries(paths)) expect(existsSync(path), `${name}: ${path}`).toBe(true);
  });

  it('prints its package version for --version, and npx finds it by its command and by its package name', () => {
    const version = bench('--version');
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(manifest.version);
    // bench run --server-host's default --server-bench, and the README's npx NAME. (After "--":
    // npx takes a --version before it for itself.)
    for (const command of ['bench', manifest.name]) {
      const r = spawnSync('npx', ['--no', command, '--', '--version'], { cwd: user, encoding: 'utf8', timeout: 60_000 });
      expect(r.stdout.trim(), `npx --no ${command}: ${r.stderr}`).toBe(manifest.version);
    }
  });

  it('lists the built-in scenarios and the deployment kinds', () => {
    const r = bench('list');
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['blocking-vs-workers', 'wsgi-workers', ...NODE_KINDS, 'gunicorn-sync']) expect(r.stdout).toContain(name);
  });

  it("doctor shows the Node kinds available, with this Node's version", () => {
    const r = bench('doctor');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`bench ${manifest.version}`);
    for (const kind of NODE_KINDS) expect(r.stdout).toMatch(new RegExp(`^  ${kind} +ok +node ${process.version}`, 'm'));
  });

  it("runs blocking-vs-workers --quick on the Node kinds, writing results and charts under the user's ./results only", () => {
    const before = tree(installed);
    const r = bench('run', 'blocking-vs-workers', '--quick', '--deployments', NODE_KINDS.join(','));
    expect(r.code, r.stderr).toBe(0);
    expect(tree(installed)).toEqual(before);

    const runs = readdirSync(join(user, 'results'));
    expect(runs).toHaveLength(1);
    const out = join(user, 'results', runs[0]!);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
    expect(results.environment.benchVersion).toBe(manifest.version);
    expect(results.failures).toEqual([]);
    expect([...new Set(results.results.map((row) => row.deployment))]).toEqual(['node-blocking', 'node-prefork ×4', 'node-async']);
    for (const chart of ['throughput.png', 'latency.png', 'memory.png']) {
      const png = readFileSync(join(out, chart));
      expect(png.subarray(1, 4).toString('latin1'), chart).toBe('PNG');
      expect(png.length, chart).toBeGreaterThan(5_000);
    }
    // The pools hold what Little's law says on the 50 ms requests: one at a time, then four.
    for (const row of results.results.filter((row) => row.deployment !== 'node-async')) {
      const where = `${row.deployment} c=${row.concurrency}: ${row.throughputRps} req/s, predicted ${row.predictedThroughputRps}`;
      expect(row.errors + row.non2xx, where).toBe(0);
      expect(row.throughputRatio, where).toBeGreaterThan(0.75);
      expect(row.throughputRatio, where).toBeLessThan(1.1);
    }
  });

  it('writes a starter scenario with init, and prints the apt-get commands with install-servers', () => {
    const init = bench('init');
    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(join(user, 'bench-scenario.yaml'), 'utf8')).toMatch(/^deployments:\n  - node-blocking$/m);
    // No terminal and no --yes: the commands, and nothing run.
    const install = bench('install-servers');
    expect(install.code).toBe(2);
    expect(install.stdout).toMatch(/apt-get install -y -q --no-install-recommends .*gunicorn.*nginx/);
  });

  it("serves bench serve's page and its scripts from the installed package", async () => {
    const serving = await startServe([], user, join(installed, 'bin', 'bench.js'));
    try {
      const page = await fetch(serving.origin + '/', { headers: { cookie: serving.cookie } });
      expect(page.status).toBe(200);
      const html = await page.text();
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(3);
      for (const asset of assets) expect((await fetch(serving.origin + asset, { headers: { cookie: serving.cookie } })).status, asset).toBe(200);
    } finally {
      await serving.interrupt();
    }
  });
});
