import { serverKinds } from '../deployments/kinds.js';
import { INSTALL_ALL, INSTALL_SCRIPT, installCommand, nginx, pythonVersion, type Software } from '../software.js';

interface Line {
  name: string;
  needs: readonly Software[];
  note?: string;
}

/** One line per deployment kind (and nginx, for +nginx): available or not, versions, install command. */
export async function doctorCommand(): Promise<string> {
  const lines: Line[] = [
    ...serverKinds.filter((kind) => !kind.external).map((kind) => ({ name: kind.name, needs: kind.requires })),
    { name: 'nginx', needs: [nginx], note: 'in front of any kind with +nginx' },
  ];
  const width = Math.max(...lines.map((l) => l.name.length)) + 2;
  const rows = await Promise.all(
    lines.map(async ({ name, needs, note }) => {
      const versions = await Promise.all(needs.map((s) => s.detect()));
      const missing = needs.filter((_, i) => !versions[i]);
      const found = needs.length === 0 ? `node ${process.version}` : needs.map((s, i) => `${s.name} ${versions[i] ?? 'missing'}`).join(', ');
      const status = missing.length ? `missing  ${found}; install with: ${installCommand(missing)}` : `ok       ${found}`;
      return `  ${name.padEnd(width)}${status}${note && !missing.length ? ` (${note})` : ''}`;
    }),
  );
  const python = await pythonVersion();
  return [
    'Deployment kinds on this machine:',
    ...rows,
    `  ${'python'.padEnd(width)}${python ? `ok       ${python} (the Python deployments run on it)` : 'missing  sudo apt-get install python3-flask'}`,
    '',
    `The whole stack (Debian/Ubuntu): ${INSTALL_ALL}`,
    `or: ${INSTALL_SCRIPT}. bench run skips what is missing (--strict makes that a failure).`,
  ].join('\n');
}
