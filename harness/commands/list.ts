import { serverKinds } from '../deployments/kinds.js';
import { builtInScenarios, loadScenario } from '../scenario/load.js';

export function listCommand(): string {
  const scenarios = [...builtInScenarios().keys()].map((name) => {
    const { description } = loadScenario(name);
    return `  ${name.padEnd(22)} ${description ?? ''}`;
  });
  const width = Math.max(...serverKinds.map((k) => k.name.length)) + 2;
  const kinds = serverKinds.map((k) => `  ${k.name.padEnd(width)} ${k.summary}`);
  return [
    'Scenarios (bench run NAME, or a path to your own copy):',
    ...scenarios,
    '',
    'Deployment kinds (for --deployments and scenario files; add +nginx to put nginx in front):',
    ...kinds,
  ].join('\n');
}
