/**
 * gunicorn 20.1's command-line flags, each with the setting it sets (the `cli` and `name` of
 * gunicorn/config.py's KNOWN_SETTINGS): what turns a command line into gunicorn.conf.py names.
 */
const SETTING_OF_FLAG: Readonly<Record<string, string>> = {
  '-c': 'config', '--config': 'config', '-b': 'bind', '--bind': 'bind', '--backlog': 'backlog', '-w': 'workers', '--workers': 'workers',
  '-k': 'worker_class', '--worker-class': 'worker_class', '--threads': 'threads', '--worker-connections': 'worker_connections',
  '--max-requests': 'max_requests', '--max-requests-jitter': 'max_requests_jitter', '-t': 'timeout', '--timeout': 'timeout',
  '--graceful-timeout': 'graceful_timeout', '--keep-alive': 'keepalive', '--limit-request-line': 'limit_request_line',
  '--limit-request-fields': 'limit_request_fields', '--limit-request-field_size': 'limit_request_field_size', '--reload': 'reload',
  '--reload-engine': 'reload_engine', '--reload-extra-file': 'reload_extra_files', '--spew': 'spew', '--check-config': 'check_config',
  '--print-config': 'print_config', '--preload': 'preload_app', '--no-sendfile': 'sendfile', '--reuse-port': 'reuse_port', '--chdir': 'chdir',
  '-D': 'daemon', '--daemon': 'daemon', '-e': 'raw_env', '--env': 'raw_env', '-p': 'pidfile', '--pid': 'pidfile', '--worker-tmp-dir': 'worker_tmp_dir',
  '-u': 'user', '--user': 'user', '-g': 'group', '--group': 'group', '-m': 'umask', '--umask': 'umask', '--initgroups': 'initgroups',
  '--forwarded-allow-ips': 'forwarded_allow_ips', '--access-logfile': 'accesslog', '--disable-redirect-access-to-syslog': 'disable_redirect_access_to_syslog',
  '--access-logformat': 'access_log_format', '--error-logfile': 'errorlog', '--log-file': 'errorlog', '--log-level': 'loglevel',
  '--capture-output': 'capture_output', '--logger-class': 'logger_class', '--log-config': 'logconfig', '--log-syslog-to': 'syslog_addr',
  '--log-syslog': 'syslog', '--log-syslog-prefix': 'syslog_prefix', '--log-syslog-facility': 'syslog_facility', '-R': 'enable_stdio_inheritance',
  '--enable-stdio-inheritance': 'enable_stdio_inheritance', '--statsd-host': 'statsd_host', '--dogstatsd-tags': 'dogstatsd_tags',
  '--statsd-prefix': 'statsd_prefix', '-n': 'proc_name', '--name': 'proc_name', '--pythonpath': 'pythonpath', '--paste': 'paste', '--paster': 'paste',
  '--proxy-protocol': 'proxy_protocol', '--proxy-allow-from': 'proxy_allow_ips', '--keyfile': 'keyfile', '--certfile': 'certfile',
  '--ssl-version': 'ssl_version', '--cert-reqs': 'cert_reqs', '--ca-certs': 'ca_certs', '--suppress-ragged-eofs': 'suppress_ragged_eofs',
  '--do-handshake-on-connect': 'do_handshake_on_connect', '--ciphers': 'ciphers', '--paste-global': 'raw_paste_global_conf',
  '--strip-header-spaces': 'strip_header_spaces', '--tolerate-dangerous-framing': 'tolerate_dangerous_framing',
};

/** The flags that take no value (argparse's store_true and store_const). */
const SWITCHES = new Set([
  '--reload', '--spew', '--check-config', '--print-config', '--preload', '--no-sendfile', '--reuse-port', '-D', '--daemon', '--initgroups',
  '--disable-redirect-access-to-syslog', '--capture-output', '--log-syslog', '-R', '--enable-stdio-inheritance', '--proxy-protocol',
  '--suppress-ragged-eofs', '--do-handshake-on-connect', '--strip-header-spaces', '--tolerate-dangerous-framing',
]);

/** Settings whose values are whole numbers (validate_pos_int); the rest print as text, lists or True/False. */
export const INTEGER_SETTINGS = new Set([
  'backlog', 'workers', 'threads', 'worker_connections', 'max_requests', 'max_requests_jitter', 'timeout', 'graceful_timeout', 'keepalive',
  'limit_request_line', 'limit_request_fields', 'limit_request_field_size', 'umask',
]);

/**
 * The flag as gunicorn's argparse takes it: itself, or the one long flag it abbreviates (argparse
 * accepts "--keep 5" for --keep-alive 5). Undefined for a flag gunicorn 20.1 does not have.
 */
export function gunicornFlag(flag: string): string | undefined {
  if (flag in SETTING_OF_FLAG) return flag;
  if (!flag.startsWith('--')) return undefined;
  const matches = Object.keys(SETTING_OF_FLAG).filter((known) => known.startsWith(flag));
  return matches.length > 0 && new Set(matches.map((m) => SETTING_OF_FLAG[m])).size === 1 ? matches[0] : undefined;
}

/** The setting a flag sets, e.g. "--keep-alive" → "keepalive". */
export function settingOfFlag(flag: string): string | undefined {
  const known = gunicornFlag(flag);
  return known && SETTING_OF_FLAG[known];
}

export function isGunicornSwitch(flag: string): boolean {
  const known = gunicornFlag(flag);
  return known !== undefined && SWITCHES.has(known);
}

/** One option of a gunicorn command line: "--workers 2" is { flag: '--workers', value: '2' }. */
export interface GunicornOption {
  flag: string;
  value?: string;
}

/** A gunicorn command line's options (program and positionals left out), "--flag=value" and "-w2" included. */
export function gunicornOptions(args: readonly string[]): { options: GunicornOption[]; positionals: string[] } {
  const options: GunicornOption[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') positionals.push(arg);
    else if (arg.startsWith('--') && arg.includes('=')) options.push({ flag: arg.slice(0, arg.indexOf('=')), value: arg.slice(arg.indexOf('=') + 1) });
    else if (!arg.startsWith('--') && arg.length > 2 && !SWITCHES.has(arg.slice(0, 2))) options.push({ flag: arg.slice(0, 2), value: arg.slice(2) });
    else if (isGunicornSwitch(arg)) options.push({ flag: arg });
    else options.push({ flag: arg, value: args[++i] });
  }
  return { options, positionals };
}
