import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_ITEMS, DEMO_MAX_MS } from '../harness/app/demo-paths.js';
import { UsageError } from '../harness/cli/errors.js';
import { buildPlan } from '../harness/plan/build-plan.js';
import { parseScenario } from '../harness/scenario/load.js';
import { flask, gunicorn } from '../harness/software/catalog.js';
import { withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

/** The first value past the demo app's limit, refused by the plan, is refused by the demo app itself. */
async function expectDemoRefusesPastItsLimits(baseUrl: string): Promise<void> {
  const tooSlow = await fetch(`${baseUrl}/io?ms=${DEMO_MAX_MS + 0.5}`);
  expect(tooSlow.status).toBe(400);
  expect(JSON.stringify(await tooSlow.json())).toContain(`from 0 to ${DEMO_MAX_MS}`);
  const tooMany = await fetch(`${baseUrl}/db-rows?n=${DEMO_ITEMS + 1}`);
  expect(tooMany.status).toBe(400);
  expect(JSON.stringify(await tooMany.json())).toContain(`from 0 to ${DEMO_ITEMS}`);
  const plan = (path: string) => () => buildPlan(parseScenario(`path: "${path}"\nduration: 1\ntimeout: 3600\nconcurrency: [1]\ndeployments: [node-async]\n`, 'demo.yaml'), { duration: 3600 });
  expect(plan(`/io?ms=${DEMO_MAX_MS + 0.5}`)).toThrow(/answers 400/);
  expect(plan(`/db-rows?n=${DEMO_ITEMS + 1}`)).toThrow(/answers 400/);
  expect(plan(`/io?ms=${DEMO_MAX_MS}`)).not.toThrow();
  expect(plan(`/db-rows?n=${DEMO_ITEMS}`)).not.toThrow();
}

describe("the demo app's limits, as the plan knows them", () => {
  it('are the Node demo app\'s own', async () => {
    await withDeployment({ kind: 'node-async' }, (d) => expectDemoRefusesPastItsLimits(d.baseUrl));
  });
});

(await describeWith([flask]))("the demo app's limits, as the plan knows them, under Python", () => {
  it("are the Python demo app's own", async () => {
    await withDeployment({ kind: 'wsgiref' }, (d) => expectDemoRefusesPastItsLimits(d.baseUrl));
  });
});

(await describeWith([gunicorn]))("a server's config file", () => {
  it('is held to the same limit on workers as the scenario and the flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-limits-'));
    try {
      writeFileSync(join(dir, 'gunicorn.conf.py'), 'workers = 640\n');
      const file = join(dir, 'big.yaml');
      const scenario = parseScenario('path: /hello\nduration: 1\nconcurrency: [1]\ndeployments: [{ kind: gunicorn-sync, config: gunicorn.conf.py }]\n', file);
      expect(() => buildPlan(scenario, {})).toThrow(UsageError);
      expect(() => buildPlan(scenario, {})).toThrow(/^deployments\[0\]: .*gunicorn\.conf\.py sets workers = 640: expected a whole number of worker processes from 1 to 256, got 640/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
