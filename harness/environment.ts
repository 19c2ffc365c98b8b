import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './paths.js';
import type { Environment } from './results.js';

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
  };
}
