import { describe, expect, it } from 'vitest';
import { defaultThreads, defaultWorkers, takesThreads } from '../harness/deployments/kind.js';
import { serverKinds } from '../harness/deployments/kinds.js';
import { EXPORTABLE_KINDS } from '../harness/export/choose.js';
import { expandDeployment } from '../harness/plan/build-plan.js';
import { LIMITS, refusal } from '../harness/scenario/limits.js';

describe('each deployment kind, as its own definition says', () => {
  it('has a name of its own, and a default pool within the limits a scenario is held to', () => {
    expect(new Set(serverKinds.map((k) => k.name)).size).toBe(serverKinds.length);
    for (const kind of serverKinds.filter((k) => k.pool)) {
      expect(refusal(LIMITS.workers, defaultWorkers(kind)), kind.name).toBeUndefined();
      const threads = defaultThreads(kind);
      if (threads !== undefined) expect(refusal(LIMITS.threads, threads), kind.name).toBeUndefined();
    }
  });

  it('plans the demo app with no settings at all to its own defaults: its pool size, its threads, and the front it must have', () => {
    for (const kind of serverKinds.filter((k) => k.launch !== 'attach' && k.hosts.includes('demo'))) {
      const [planned] = expandDeployment({ kind: kind.name }, 'deployments[0]', {}, undefined);
      expect(planned!.spec.workers, kind.name).toBe(kind.pool?.workers ?? 1);
      // mod_wsgi's embedded mode, its default, runs no threads of its own.
      const threads = planned!.spec.wsgiMode === 'embedded' ? undefined : defaultThreads(kind);
      expect(planned!.spec.threads, kind.name).toBe(threads);
      expect(planned!.spec.proxy, kind.name).toBe(kind.front?.required?.front ?? 'none');
    }
  });

  it('refuses threads: unless its pool takes them, naming the kind', () => {
    for (const kind of serverKinds.filter((k) => k.launch !== 'attach' && k.hosts.includes('demo') && !takesThreads(k))) {
      expect(() => expandDeployment({ kind: kind.name, threads: 2 }, 'deployments[0]', {}, undefined), kind.name).toThrow(`deployments[0]: ${kind.name} does not take threads`);
    }
  });

  it('is attached to, not started, only with a url, and then sizes nothing', () => {
    const attached = serverKinds.filter((k) => k.launch === 'attach');
    expect(attached.map((k) => k.name)).toEqual(['external']);
    for (const kind of attached) {
      expect(kind.pool).toBeUndefined();
      expect(() => expandDeployment({ kind: kind.name }, 'deployments[0]', {}, undefined)).toThrow(/deployments\[0\]: kind external needs a url/);
      const [planned] = expandDeployment({ kind: kind.name, url: 'http://127.0.0.1:9' }, 'deployments[0]', {}, undefined);
      expect(planned!.spec).toEqual({ kind: 'external', workers: 1, proxy: 'none', url: 'http://127.0.0.1:9' });
    }
  });

  it('is exportable when it says how (exportAs), gunicorn\'s kinds listed before uWSGI\'s, waitress\'s and the ASGI servers\' as bench export names them', () => {
    expect(EXPORTABLE_KINDS).toEqual(['gunicorn-sync', 'gunicorn-gthread', 'gunicorn-gevent', 'gunicorn-uvicorn', 'uwsgi', 'waitress', 'hypercorn', 'daphne']);
  });
});
