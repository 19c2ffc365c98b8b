import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import { planRun, type RunFlags } from '../harness/commands/run.js';

const WSGI_DIR = resolve('test/fixtures/wsgi-app');
const NODE_APP = resolve('test/fixtures/node-app/server.mjs');
// Planning checks only that the interpreter is an executable file (these refusals come before it is run): any will do, Python or not.
const PYTHON = JSON.stringify(process.execPath);
const wsgiApp = `app: { wsgi: "fixture_app:application", dir: ${JSON.stringify(WSGI_DIR)}, python: ${PYTHON} }`;
const nodeApp = `app: { node: ${JSON.stringify(NODE_APP)} }`;

const work = mkdtempSync(join(tmpdir(), 'bench-app-refusals-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What `bench run` says, in one line, when it refuses a scenario with these lines, or these flags. */
async function refusal(lines: string[] | undefined, flags: RunFlags = {}): Promise<string> {
  let file: string | undefined;
  if (lines) {
    file = join(work, `scenario-${Math.random().toString(36).slice(2)}.yaml`);
    const path = lines.some((line) => line.startsWith('requests:')) ? [] : ['path: /'];
    writeFileSync(file, [...path, 'duration: 1', 'concurrency: [1]', ...lines].join('\n'));
  }
  try {
    await planRun(file, { out: join(work, 'never-written'), ...flags });
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected bench run to refuse');
}

describe("a user's app that a deployment cannot take", () => {
  it('refuses a kind that cannot host the app, an app folder that does not exist, and args a kind does not take, naming each', async () => {
    expect(await refusal([wsgiApp, 'deployments: [node-prefork]'])).toMatch(/deployments\[0\]: node-prefork cannot host a WSGI app .*gunicorn-sync/);
    expect(await refusal(['app: { wsgi: "fixture_app:application", dir: no-such-folder }', 'deployments: [gunicorn-sync]'])).toMatch(/app\.dir: .*no-such-folder is not a folder/);
    expect(await refusal([nodeApp, 'deployments: [node, wsgiref]'])).toMatch(/deployments\[1\]: wsgiref cannot host a Node program/);
    expect(await refusal([wsgiApp, 'deployments: [{ kind: wsgiref, args: [-x] }]'])).toMatch(/deployments\[0\]: args: wsgiref takes no extra flags/);
    expect(await refusal(undefined, { app: 'fixture_app:application', appDir: join(work, 'missing') })).toMatch(/--app-dir: .*missing is not a folder/);
  });

  it('refuses flags and variables that would make a server listen beyond loopback, or describe another server than the row says', async () => {
    expect(await refusal([wsgiApp, 'deployments: [{ kind: gunicorn-sync, args: ["--bind=0.0.0.0:8000"] }]'])).toMatch(
      /deployments\[0\]: args: "--bind=0.0.0.0:8000": bench sets it \(the loopback address it measures\); remove it/,
    );
    expect(await refusal([wsgiApp, 'deployments: [{ kind: uwsgi, args: [--processes, "8"] }]'])).toMatch(/args: "--processes": bench sets it \(workers:\)/);
    expect(await refusal([nodeApp, 'deployments: [{ kind: node, args: ["--inspect=0.0.0.0:9229"] }]'])).toMatch(/args: "--inspect=0.0.0.0:9229": it opens a debugger on a TCP port/);
    expect(await refusal([nodeApp, 'deployments: [{ kind: node, env: { HOST: 0.0.0.0 } }]'])).toMatch(/deployments\[0\]: env: HOST is bench's to set/);
  });

  it('refuses wrk for a mix of requests, which it cannot send', async () => {
    expect(await refusal(['generator: wrk', 'requests: [{ path: /a }, { method: POST, path: /b }]', 'deployments: [node-async]'])).toMatch(
      /generator: wrk: wrk sends one request; use the builtin generator for a requests: mix/,
    );
  });
});

describe("a user's ASGI app that a deployment cannot take", () => {
  const asgiApp = `app: { asgi: "main:app", dir: ${JSON.stringify(WSGI_DIR)}, python: ${PYTHON} }`;

  it('refuses a WSGI kind asked to host an ASGI app, naming the kinds that can', async () => {
    expect(await refusal([asgiApp, 'deployments: [gunicorn-sync]'])).toMatch(/deployments\[0\]: gunicorn-sync cannot host an ASGI app \(main:app\); the kinds that can: .*uvicorn, gunicorn-uvicorn/);
    expect(await refusal([wsgiApp, 'deployments: [uvicorn]'])).toMatch(/deployments\[0\]: uvicorn cannot host a WSGI app \(fixture_app:application\); the kinds that can: .*gunicorn-sync/);
  });

  it('refuses an app named twice, or named by its file, naming the field', async () => {
    expect(await refusal([`app: { wsgi: "main:app", asgi: "main:app", dir: ${JSON.stringify(WSGI_DIR)} }`, 'deployments: [uvicorn]'])).toMatch(
      /app\.asgi: give one of app\.wsgi, app\.asgi or app\.node, not app\.wsgi and app\.asgi/,
    );
    expect(await refusal([`app: { asgi: "main.py:app", dir: ${JSON.stringify(WSGI_DIR)} }`, 'deployments: [uvicorn]'])).toMatch(/app\.asgi: "main\.py:app" is a file name; name the module without \.py, e.g\. main:app/);
  });
});
