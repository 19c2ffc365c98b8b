import { describe, expect, it } from 'vitest';
import { buildPlan } from '../harness/plan/build-plan.js';
import { parseScenario } from '../harness/scenario/load.js';

describe('static: in a scenario', () => {
  const plan = (deployment: string, app = '') =>
    buildPlan(parseScenario(`${app}path: /static/large.bin\nduration: 1\nconcurrency: [1]\ndeployments:\n  - ${deployment}\n`, 'my.yaml'), {});

  it('names who serves /static/ in the label, and leaves the label alone when unsaid', () => {
    expect(plan('{ kind: gunicorn-sync+nginx, static: web-server }').deployments[0]!.label).toBe('gunicorn-sync+nginx ×4 (static by nginx)');
    expect(plan('{ kind: node-async, proxy: nginx, static: app }').deployments[0]!.label).toBe('node-async+nginx (static by the app)');
    expect(plan('{ kind: cgi, static: web-server }').deployments[0]!.spec.static).toBe('web-server');
    expect(plan('gunicorn-sync+nginx').deployments[0]!.label).toBe('gunicorn-sync+nginx ×4');
    expect(plan('{ kind: gunicorn-sync+apache, static: web-server }').deployments[0]!.label).toBe('gunicorn-sync+apache ×4 (static by apache)');
  });

  it('is refused without a web server in front, naming the field and the fix', () => {
    expect(() => plan('{ kind: gunicorn-sync, static: web-server }')).toThrow(/deployments\[0\]: static: .*web server in front.*use gunicorn-sync\+nginx or gunicorn-sync\+apache, or remove static/);
    expect(() => plan('{ kind: node-async, static: app }')).toThrow(/deployments\[0\]: static: .*node-async\+nginx/);
  });

  it("is refused for the user's own app, whose paths are its own", () => {
    // Planning checks only that the interpreter is an executable file (never runs it): any will do, Python or not.
    const app = `app: { wsgi: fixture_app:application, dir: ., python: ${JSON.stringify(process.execPath)} }\n`;
    expect(() => plan('{ kind: gunicorn-sync+nginx, static: web-server }', app)).toThrow(/deployments\[0\]: static: .*your app serves its own paths/);
  });

  it('takes web-server or app only', () => {
    expect(() => plan('{ kind: gunicorn-sync+nginx, static: nginx }')).toThrow(/static: web-server .* or app/);
  });
});
