import { describe, expect, it } from 'vitest';
import { daphneKind } from '../harness/deployments/daphne.js';
import { askedWorkerClass, hypercornKind, workerClassProblem } from '../harness/deployments/hypercorn.js';
import { deploymentLabel, processesBesideLeader, type DeploymentSpec } from '../harness/deployments/kind.js';
import { buildPlan } from '../harness/plan/build-plan.js';
import type { AppUnderTest } from '../harness/results/types.js';
import { parseScenario } from '../harness/scenario/load.js';

const planned = (deployment: string) => () =>
  buildPlan(parseScenario(`path: /io?ms=50\nduration: 1\nconcurrency: [1]\ndeployments: [${deployment}]\n`, 'a.yaml'), {});

const userApp: AppUnderTest = { kind: 'asgi', asgi: 'main:app', dir: '/srv/shop', python: '/usr/bin/python3', health: '/health' };
const ctx = { host: '127.0.0.1', port: 18080, tmpDir: '/tmp/x', behindNginx: false };

describe('hypercorn as a deployment kind', () => {
  it('plans W workers on the loopback port for the ASGI app, from the app folder, with nginx in front when asked', async () => {
    const [deployment] = planned('{ kind: hypercorn+nginx, workers: 2, args: [--keep-alive, "7"] }')().deployments;
    expect(deployment!.spec).toMatchObject({ kind: 'hypercorn', workers: 2, proxy: 'nginx', args: ['--keep-alive', '7'] });
    expect(deploymentLabel(deployment!.spec, hypercornKind)).toBe('hypercorn+nginx ×2');
    const spec: DeploymentSpec = { kind: 'hypercorn', workers: 2, proxy: 'none', app: userApp, args: ['-k', 'asyncio'] };
    const plan = await hypercornKind.plan(spec, ctx);
    expect([plan.command, ...plan.args]).toEqual(['/usr/bin/python3', '-u', '-m', 'hypercorn', '--bind', '127.0.0.1:18080', '--workers', '2', '-k', 'asyncio', 'main:app']);
    expect(plan.cwd).toBe('/srv/shop');
    expect((await hypercornKind.plan({ ...spec, args: [] }, { ...ctx, host: '::1' })).args).toContain('[::1]:18080');
  });

  it('runs one worker in its own process, so readiness waits for no worker beside it, and W workers beside a master', () => {
    expect(planned('hypercorn')().deployments[0]!.spec.workers).toBe(1);
    expect(processesBesideLeader(hypercornKind, 1)).toBe(0);
    expect(processesBesideLeader(hypercornKind, 3)).toBe(3);
  });

  it('refuses the flags bench sets itself, abbreviated or attached as argparse reads them, and a config file it cannot read back', () => {
    expect(planned('{ kind: hypercorn, args: [--bind, "0.0.0.0:80"] }')).toThrow(/args: "--bind": bench sets it \(the loopback address it measures\); remove it/);
    expect(planned('{ kind: hypercorn, args: ["--bin=0.0.0.0:80"] }')).toThrow(/args: "--bin=0.0.0.0:80" \(hypercorn reads it as --bind\): bench sets it/);
    expect(planned('{ kind: hypercorn, args: ["-w3"] }')).toThrow(/args: "-w3" \(hypercorn reads it as -w\): bench sets it \(workers:\)/);
    expect(planned('{ kind: hypercorn, args: [--quic-bind, "127.0.0.1:9"] }')).toThrow(/opens a UDP port/);
    expect(planned('{ kind: hypercorn, args: [-c, hypercorn.toml] }')).toThrow(/args: "-c": bench cannot read back what a hypercorn config file decides/);
    expect(planned('{ kind: hypercorn, args: [--reload] }')).toThrow(/args: "--reload": it watches files/);
    expect(planned('{ kind: hypercorn, args: [--certfile, c.pem] }')).toThrow(/TLS belongs to the proxy in front/);
  });

  it('takes the worker classes hypercorn 0.13 has, and refuses an unknown one or one whose module is missing, naming the package', () => {
    expect(askedWorkerClass(['-k', 'uvloop'])).toBe('uvloop');
    expect(askedWorkerClass(['--worker-class=trio', '-kasyncio'])).toBe('asyncio');
    expect(askedWorkerClass(['--keep-alive', '5'])).toBeUndefined();
    expect(planned('{ kind: hypercorn, args: [-k, asyncio] }')().deployments[0]!.spec.args).toEqual(['-k', 'asyncio']);
    expect(planned('{ kind: hypercorn, args: [-k, gevent] }')).toThrow(/args: -k gevent: hypercorn has no worker class "gevent"; its classes are asyncio, uvloop, trio/);
    const nothingImports = () => false;
    expect(workerClassProblem('uvloop', nothingImports)).toMatch(/needs the uvloop module.*sudo apt-get install python3-uvloop/);
    expect(workerClassProblem('trio', nothingImports)).toMatch(/sudo apt-get install python3-trio/);
    expect(workerClassProblem('uvloop', () => true)).toBeUndefined();
    expect(workerClassProblem('asyncio', nothingImports)).toBeUndefined();
  });
});

describe('daphne as a deployment kind', () => {
  it('plans one process on the loopback port for the ASGI app, from the app folder', async () => {
    const [deployment] = planned('daphne+nginx')().deployments;
    expect(deployment!.spec).toMatchObject({ kind: 'daphne', proxy: 'nginx' });
    expect(deploymentLabel(deployment!.spec, daphneKind)).toBe('daphne+nginx');
    const plan = await daphneKind.plan({ kind: 'daphne', workers: 1, proxy: 'none', app: userApp }, ctx);
    expect([plan.command, ...plan.args]).toEqual(['/usr/bin/python3', '-u', '-m', 'daphne', '-b', '127.0.0.1', '-p', '18080', 'main:app']);
    expect(plan.cwd).toBe('/srv/shop');
  });

  it('refuses the flags that would move it off its loopback port, and takes its others', () => {
    expect(planned('{ kind: daphne, args: [--port, "80"] }')).toThrow(/args: "--port": bench sets it \(the loopback address it measures\)/);
    expect(planned('{ kind: daphne, args: [-u, /tmp/s.sock] }')).toThrow(/args: "-u": bench sets it/);
    expect(planned('{ kind: daphne, args: [--proxy-headers] }')().deployments[0]!.spec.args).toEqual(['--proxy-headers']);
  });
});
