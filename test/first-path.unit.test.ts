import { describe, expect, it } from 'vitest';
import { firstLookPath } from '../harness/app/first-path.js';
import type { AppUnderTest } from '../harness/app/app.js';
import type { Inspection } from '../harness/app/inspect.js';

const asgi: AppUnderTest = { kind: 'asgi', asgi: 'main:app', dir: '/srv/app', python: '/usr/bin/python3', health: '/' };
const read = (paths?: string[]): Inspection => ({ imported: true, shape: 'asgi', framework: 'FastAPI', facts: {}, ...(paths && { paths }) });

describe("a first look's path", () => {
  it('is the health path the user named, whatever the routes', () => {
    expect(firstLookPath({ pythonApp: 'main:app', health: '/healthz' }, { ...asgi, health: '/healthz' }, read(['/', '/items']))).toEqual({ path: '/healthz', why: 'the health path --health names' });
  });

  it('is / when the app routes it, else its first GET route without parameters, and says so', () => {
    expect(firstLookPath({ pythonApp: 'main:app' }, asgi, read(['/async', '/']))).toEqual({ path: '/', why: 'the app routes it' });
    expect(firstLookPath({ pythonApp: 'main:app' }, asgi, read(['/async', '/sync']))).toEqual({
      path: '/async',
      why: 'the app routes no /; /async is its first GET route without parameters',
    });
  });

  it('stays / where bench could not read the routes, found none, or the app is a Node program, and says what would name another', () => {
    expect(firstLookPath({ pythonApp: 'main:app' }, asgi, read()).why).toMatch(/could not read the app’s routes; --path or --health/);
    expect(firstLookPath({ pythonApp: 'main:app' }, asgi, { imported: undefined }).path).toBe('/');
    expect(firstLookPath({ pythonApp: 'main:app' }, asgi, read([]))).toMatchObject({ path: '/', why: expect.stringMatching(/no GET route without parameters/) });
    expect(firstLookPath({ node: 'app.js' }, { kind: 'node', node: '/srv/app.js', health: '/' }, undefined).path).toBe('/');
  });
});
