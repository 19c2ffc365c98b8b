/**
 * `value` as one double-quoted token of an nginx config, whatever it holds. Inside double quotes
 * nginx 1.22 takes spaces, `;`, `{`, `}`, `#` and `'` as they are and unescapes `\"` and `\\`.
 * It has no escape for `$`: in directives that expand variables (fastcgi_param, fastcgi_pass,
 * uwsgi_pass) `$x` is the variable x and a lone `$` is an error, `\$` and `$$` included; elsewhere
 * (pid, error_log, *_temp_path, user) `$` is plain text. So where variables expand, a `$` becomes
 * `${bench_dollar}`, a variable whose value is "$" (a geo block in nginx.conf.template defines it).
 */
export function nginxString(value: string, expandsVariables: boolean): string {
  const escaped = value.replace(/[\\"]/g, (c) => `\\${c}`);
  return `"${expandsVariables ? escaped.replaceAll('$', '${bench_dollar}') : escaped}"`;
}
