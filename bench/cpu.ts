import fs from 'node:fs';

/** CPU seconds used so far, by who used them: this process's threads by name, the Temporal server, PostgreSQL. */
export type CpuSample = Record<string, number>;

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * utime + stime of a /proc stat line, in seconds, plus cutime + cstime with `children`: the CPU of children that
 * exited and were waited for (PostgreSQL's backends, once their connection closes). The command name may itself
 * hold spaces or parentheses.
 */
function cpuSeconds(stat: string, children = false): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return (own + (children ? Number(fields[13]) + Number(fields[14]) : 0)) / TICKS_PER_SECOND;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process or thread ended between listing and reading
  }
}

/**
 * Reads /proc: this process's threads grouped by thread name (main, the workflow thread, the SDK core's tokio
 * threads, libuv's pool), and the `temporal` and `postgres` processes this process started, with their children.
 * Linux only.
 */
export function sampleCpu(): CpuSample {
  const sample: CpuSample = {};
  const add = (key: string, seconds: number) => (sample[key] = (sample[key] ?? 0) + seconds);
  let threads = 0;
  for (const tid of fs.readdirSync(`/proc/${process.pid}/task`)) {
    const stat = read(`/proc/${process.pid}/task/${tid}/stat`);
    if (!stat) continue;
    const name = Number(tid) === process.pid ? 'node main thread' : `node ${threadGroup(tid, stat)}`;
    const seconds = cpuSeconds(stat);
    add(name, seconds);
    threads += seconds;
  }
  // The process's own line also counts threads that have exited: above all the watchdog thread Node starts for every
  // vm.runInContext call with a timeout, which the SDK makes on every call into a workflow.
  const own = read(`/proc/${process.pid}/stat`);
  if (own) add('node exited threads', Math.max(0, cpuSeconds(own) - threads));
  const processes = new Map<number, { ppid: number; comm: string; stat: string }>();
  for (const pid of fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    processes.set(Number(pid), { ppid, comm, stat });
  }
  // Only the servers this process started, with their children: not a PostgreSQL the machine runs for others.
  const ours = (pid: number): boolean => {
    for (let p = pid, depth = 0; p > 1 && depth < 8; depth++) {
      if (p === process.pid) return true;
      p = processes.get(p)?.ppid ?? 0;
    }
    return false;
  };
  for (const [pid, { comm, stat }] of processes) {
    if (!ours(pid)) continue;
    if (comm === 'temporal') add('temporal server', cpuSeconds(stat, true));
    else if (comm === 'postgres') add('postgresql', cpuSeconds(stat, true));
  }
  return sample;
}

/** Threads that exist when this module loads are Node's own: V8's platform workers (GC, compiler) above all. */
const startupThreads = new Set(fs.readdirSync(`/proc/${process.pid}/task`));

function threadGroup(tid: string, stat: string): string {
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  if (comm.startsWith('tokio')) return 'SDK core (tokio)';
  if (comm !== 'node') return `"${comm}"`;
  // Node names none of its threads; the later ones are the workflow VM threads and libuv's pool.
  return startupThreads.has(tid) ? 'V8 GC and compiler threads' : 'workflow VM threads, libuv';
}

/** CPU seconds used between two samples, per key. */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuSample {
  const out: CpuSample = {};
  for (const [key, value] of Object.entries(after)) out[key] = value - (before[key] ?? 0);
  return out;
}
