import { describe, expect, it } from 'vitest';
import type { DeploymentStatus, KindOption, LoadChoice, LoadStatus, ServeState } from '../harness/serve/protocol.js';
import { startDeploymentReason, startLoadReason, stopLoadReason } from '../web/reasons.js';

const LOAD: LoadChoice = { endpoint: 'io', ms: 50, mode: 'closed', clients: 8, rate: 10, slowClients: 0 };

function session(status: DeploymentStatus, loadStatus: LoadStatus | null): ServeState {
  return {
    deployment: { choice: status === 'none' ? null : { kind: 'node-prefork', workers: 4, nginx: false }, label: status === 'none' ? null : 'node-prefork ×4', status, capacity: 4, slotsPerProcess: 1 },
    load: loadStatus === null ? null : LOAD,
    loadStatus,
    loadMessage: null,
    recording: null,
  };
}

const kind = (available: boolean): KindOption => ({
  name: 'uwsgi',
  summary: 'uWSGI',
  model: 'prefork',
  takesWorkers: true,
  takesThreads: true,
  defaultWorkers: 4,
  nginxOptional: true,
  available,
});

describe('the page buttons in each state of the session', () => {
  // [state, Start deployment, Start load, Stop load]: null where the button can act.
  const table: [string, ServeState, string | null, string | null, string | null][] = [
    ['no deployment', session('none', null), null, 'start a deployment first', 'no load is running'],
    ['a deployment starting with no load', session('starting', null), 'node-prefork ×4 is starting; wait until it is ready', null, 'no load is running'],
    ['a deployment starting with a load queued', session('starting', 'queued'), 'node-prefork ×4 is starting; wait until it is ready', 'it runs once node-prefork ×4 is ready; edits apply then', null],
    ['ready with no load', session('ready', null), null, null, 'no load is running'],
    ['ready with a load running', session('ready', 'running'), null, 'the load is running; edits apply as you make them', null],
    ['ready with a load being applied', session('ready', 'applying'), null, 'the load is running; edits apply as you make them', null],
    ['failed to start', session('failed', null), null, 'node-prefork ×4 failed; start a deployment first', 'no load is running'],
    ['died under a load', session('failed', 'running'), null, 'the load is running; edits apply as you make them', null],
  ];

  it.each(table)('%s: each button acts, or says why not', (_name, state, startDeployment, startLoad, stopLoad) => {
    expect(startDeploymentReason(state, kind(true))).toBe(startDeployment);
    expect(startLoadReason(state)).toBe(startLoad);
    expect(stopLoadReason(state)).toBe(stopLoad);
  });

  it('says a kind that is not installed cannot start, whatever runs', () => {
    expect(startDeploymentReason(session('ready', 'running'), kind(false))).toBe('uwsgi is not installed here (see above)');
    expect(startDeploymentReason(undefined, kind(false))).toBe('uwsgi is not installed here (see above)');
  });
});
