import { describeConfigFile } from '../deployments/config-file.js';
import { INTEGER_SETTINGS, settingOfFlag } from '../deployments/gunicorn-flags.js';
import { UsageError } from '../cli/errors.js';
import type { SettingValue } from '../results/types.js';
import { header, measuredFigures } from './provenance.js';
import { optionText, type MeasuredOption } from './server-args.js';
import { addressText } from './address.js';
import type { ExportTarget } from './target.js';

/** Set on the command line and in the config by bench export itself, so not copied from the measured one. */
const REPLACED = new Set(['bind', 'chdir', 'config', 'daemon', 'wsgi_app']);

/** Settings that may be given several times and are lists in the config file. */
const LIST_SETTINGS = new Set(['raw_env', 'reload_extra_files', 'raw_paste_global_conf', 'bind']);

/** A Python literal for a recorded value: JSON's strings are Python's too. */
export function pythonLiteral(value: SettingValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/**
 * The setting each option of the measured command line sets. A flag gunicorn.conf.py has no name
 * for is refused, naming it, rather than written under a guessed name gunicorn would ignore.
 */
function settingsOfOptions(options: MeasuredOption[]): Map<string, MeasuredOption[]> {
  const named = new Map<string, MeasuredOption[]>();
  for (const option of options) {
    const setting = settingOfFlag(option.flag);
    if (setting === undefined) {
      throw new UsageError(
        `${optionText(option)}: bench export knows gunicorn 20.1's flags, and ${option.flag} is not one, so it cannot say which gunicorn.conf.py setting it is; ` +
          'set it in a config file (config: gunicorn.conf.py), whose settings gunicorn reads back, and measure again',
      );
    }
    named.set(setting, [...(named.get(setting) ?? []), option]);
  }
  return named;
}

/** gunicorn.conf.py: the settings the measured server ran with, one per line, each with the measurement it came from. */
export function gunicornConf(t: ExportTarget): string {
  const measured = `measured: ${measuredFigures(t.m)}`;
  const effective = t.m.row.effectiveSettings;
  const onCommandLine = settingsOfOptions(t.measured.options);
  const lines: string[] = [
    header(t.m, `gunicorn.conf.py for ${t.name} (${t.m.row.deployment})`, '#'),
    `# Start it with: ${t.command.join(' ')}`,
    ...(effective?.configFile ? [`# Measured with ${describeConfigFile(effective.configFile)}; its settings are below, as gunicorn read them.`] : []),
    '',
    `bind = ${JSON.stringify(addressText(t.bind, 'unix:'))}  # not measured: ${t.bindGiven ? 'bench export --bind' : "bench export's default"} (bench measured on a free loopback port)`,
  ];
  if (effective) {
    for (const [setting, value] of Object.entries(effective.settings)) {
      if (REPLACED.has(setting)) continue;
      const flags = onCommandLine.get(setting)?.map(optionText).join(' ');
      lines.push(`${setting} = ${pythonLiteral(value)}  # ${flags ? `${flags}; ` : ''}${effective.source}, ${measured}`);
    }
    for (const name of effective.code ?? []) {
      lines.push(`# NOT WRITTEN: ${name}, which ${effective.configFile?.path ?? 'the config file'} sets to code; bench records values only: copy it here from that file`);
    }
  } else {
    if (onCommandLine.has('config')) {
      throw new UsageError(`${t.m.row.deployment} ran with a config file (${optionText(onCommandLine.get('config')![0]!)}) whose settings this row does not record (an older bench); run it again to export it`);
    }
    for (const [setting, options] of onCommandLine) {
      if (REPLACED.has(setting)) continue;
      const values = options.map((o) => legacyValue(setting, o));
      const value = LIST_SETTINGS.has(setting) ? `[${values.join(', ')}]` : values.at(-1)!;
      lines.push(`${setting} = ${value}  # ${options.map(optionText).join(' ')}, ${measured}`);
    }
    if (!onCommandLine.has('timeout')) lines.push(`# timeout: gunicorn's default of ${t.workerTimeoutS} s, as measured (the command line did not set it)`);
  }
  lines.push(
    '',
    `# The app: ${t.app.from}.`,
    `chdir = ${JSON.stringify(t.app.dir)}`,
    `wsgi_app = ${JSON.stringify(t.app.target)}`,
    '',
  );
  return lines.join('\n');
}

/** A command-line value as Python, for rows measured before bench recorded the effective settings. */
function legacyValue(setting: string, option: MeasuredOption): string {
  if (option.value === undefined) return setting === 'sendfile' ? 'False' : 'True';
  if (INTEGER_SETTINGS.has(setting) && /^\d+$/.test(option.value)) return option.value;
  return JSON.stringify(option.value);
}
