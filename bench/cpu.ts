/**
 * CPU time from Linux's /proc: a whole process (all its threads) or the calling thread. Both
 * are undefined where /proc is missing, and the report then says "n/a".
 */
import { readFileSync } from "node:fs";

/** User + system CPU seconds from a /proc/.../stat file. */
function statCpuSeconds(path: string): number | undefined {
  try {
    const stat = readFileSync(path, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3; utime and
    // stime are fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used so far, all threads. */
export function processCpuSeconds(pid: number): number | undefined {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** CPU seconds the calling thread (e.g. a worker thread) has used so far. */
export function threadCpuSeconds(): number | undefined {
  return statCpuSeconds("/proc/thread-self/stat");
}
