import { readFileSync } from 'node:fs';

/**
 * CPU that processes wrote down themselves as they exited, one "pid seconds" line each.
 *
 * fcgiwrap ignores SIGCHLD, so the kernel reaps each CGI program unwaited and its CPU time is
 * added to nobody's reaped-children time; the sampler, which sees a 160 ms program in one of its
 * 200 ms samples at best, would report a deployment that computes flat out as idle. So bench's
 * CGI launcher appends its own CPU (getrusage, which counts from the fork, exec and interpreter
 * start included) here at exit, and the sampler adds the lines written during its window.
 */
export interface ExitedCpu {
  pid: number;
  seconds: number;
}

/** Every complete line of the log, in the order written; none when it does not exist yet. */
export function readExitCpuLog(path: string): ExitedCpu[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const entries: ExitedCpu[] = [];
  // The last line may be half written: only lines ended by a newline count.
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    const [pid, seconds] = line.split(' ').map(Number);
    if (Number.isInteger(pid) && Number.isFinite(seconds)) entries.push({ pid: pid!, seconds: seconds! });
  }
  return entries;
}

/**
 * The few lines of Python that write a process's entry at exit. One append of a short line with
 * O_APPEND is atomic, so processes exiting together do not interleave.
 */
export function exitCpuLogPython(path: string): string {
  return [
    'import atexit, os, resource',
    'def _bench_cpu():',
    '    ru = resource.getrusage(resource.RUSAGE_SELF)',
    `    fd = os.open(${JSON.stringify(path)}, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)`,
    '    os.write(fd, ("%d %.6f\\n" % (os.getpid(), ru.ru_utime + ru.ru_stime)).encode())',
    '    os.close(fd)',
    'atexit.register(_bench_cpu)',
    '',
  ].join('\n');
}
