import { gunicornUvicorn, uvicornKind } from './asgi.js';
import { daphneKind } from './daphne.js';
import { external } from './external.js';
import { hypercornKind } from './hypercorn.js';
import { takesThreads, type ServerKind } from './kind.js';
import { closest } from '../formatting/suggest.js';
import { nodeAsync, nodeBlocking, nodeCluster, nodePrefork, nodeProcess } from './node.js';
import { pm2Cluster, pm2Fork } from './pm2.js';
import { foreverKind } from './forever.js';
import { apacheModWsgi } from './mod-wsgi.js';
import { djangoRunserver } from './django-runserver.js';
import { waitressKind } from './waitress.js';
import { cgi, flaskDev, gunicornGevent, gunicornGthread, gunicornSync, uwsgiKind, wsgiref } from './python.js';

/** Every server kind bench can start, in the order `bench list` shows them. */
export const serverKinds: readonly ServerKind[] = [
  nodeBlocking,
  nodePrefork,
  nodeAsync,
  nodeProcess,
  nodeCluster,
  pm2Fork,
  pm2Cluster,
  foreverKind,
  flaskDev,
  wsgiref,
  gunicornSync,
  gunicornGthread,
  gunicornGevent,
  uwsgiKind,
  waitressKind,
  djangoRunserver,
  uvicornKind,
  gunicornUvicorn,
  hypercornKind,
  daphneKind,
  cgi,
  apacheModWsgi,
  external,
];

/** The kinds that take threads, named in refusals and help ("gunicorn-gthread, uwsgi, …"), so a new one appears there. */
export function kindsTakingThreads(): string {
  return serverKinds.filter(takesThreads).map((k) => k.name).join(', ');
}

export function findKind(name: string): ServerKind | undefined {
  return serverKinds.find((k) => k.name === name);
}

/** The kind a mistyped name most likely meant ("Node-Async", "gunicorn-snyc"), if one is close. */
export function closestKind(name: string): string | undefined {
  return closest(name, serverKinds.map((k) => k.name));
}
