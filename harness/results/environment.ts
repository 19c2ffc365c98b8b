import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { removedFromServers, serverEnvironment } from '../process/server-env.js';
import { projectRoot } from '../files/bench-paths.js';
import type { Environment, SoftwareVersions } from './types.js';
import { flask, pythonVersion, uvicorn, type Software } from '../software/catalog.js';

export function describeEnvironment(): Environment {
  const cpuList = cpus();
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  return {
    node: process.version,
    os: `${type()} ${release()} (${process.platform}/${process.arch})`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    totalMemoryMb: Math.round(totalmem() / 2 ** 20),
    benchVersion: pkg.version,
    software: {},
    serverEnvironment: {
      names: Object.keys(serverEnvironment(process.env)).sort(),
      removed: removedFromServers(),
    },
  };
}

/** Versions of the software a run's deployments use, for the record. */
export async function softwareVersions(used: readonly Software[]): Promise<SoftwareVersions> {
  const versions: SoftwareVersions = {};
  for (const s of new Set(used)) {
    const version = await s.detect();
    if (version) versions[s.name as keyof SoftwareVersions] = version;
  }
  if (used.includes(flask) || used.includes(uvicorn)) {
    const python = await pythonVersion();
    if (python) versions.python = python;
  }
  return versions;
}
