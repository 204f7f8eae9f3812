/**
 * Per-thread CPU and scheduling of a process over a window, from /proc: what `pnpm bench kv
 * --thread-stats` prints for the server and for the load generator. CPU time is utime + stime
 * (/proc/<pid>/task/<tid>/stat); "waiting" is time the thread was runnable but not on a CPU
 * (/proc/<pid>/task/<tid>/schedstat, second field), which is how contention for the CPUs shows;
 * involuntary switches (status) count preemptions.
 */
import { readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

interface ThreadSample {
  cpuUs: number;
  waitNs: number;
  involuntary: number;
}

export type ThreadSnapshot = Map<number, ThreadSample>;

/** Every thread of `pid` now (threads that end meanwhile are skipped). */
export function snapshotThreads(pid: number): ThreadSnapshot {
  const out: ThreadSnapshot = new Map();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const sched = readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ");
      const status = readFileSync(`/proc/${pid}/task/${t}/status`, "utf8");
      const invol = /nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status);
      out.set(Number(t), {
        cpuUs: ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS,
        waitNs: Number(sched[1]),
        involuntary: invol === null ? 0 : Number(invol[1]),
      });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

export interface ThreadUse {
  tid: number;
  /** The process's main thread (Tessera: the router). */
  main: boolean;
  cpuMs: number;
  waitingMs: number;
  involuntarySwitches: number;
}

/** Threads that used at least 1% of one CPU over the window, busiest first. */
export function threadUse(pid: number, before: ThreadSnapshot, after: ThreadSnapshot, windowMs: number): ThreadUse[] {
  const rows: ThreadUse[] = [];
  for (const [tid, b] of before) {
    const a = after.get(tid);
    if (a === undefined) continue;
    const cpuMs = (a.cpuUs - b.cpuUs) / 1000;
    if (cpuMs < windowMs / 100) continue;
    rows.push({ tid, main: tid === pid, cpuMs: Math.round(cpuMs), waitingMs: Math.round((a.waitNs - b.waitNs) / 1e6), involuntarySwitches: a.involuntary - b.involuntary });
  }
  return rows.sort((x, y) => y.cpuMs - x.cpuMs);
}

/** One line per thread: share of a CPU, µs of CPU per request, waiting, preemptions. */
export function describeThreadUse(label: string, rows: readonly ThreadUse[], windowMs: number, requests: number): string[] {
  return rows.map(
    (r) =>
      `  ${label} ${r.main ? "main" : "thread"} ${r.tid}: ${((100 * r.cpuMs) / windowMs).toFixed(0)}% of a CPU, ` +
      `${((r.cpuMs * 1000) / Math.max(1, requests)).toFixed(1)} µs a request, runnable but waiting ${((100 * r.waitingMs) / windowMs).toFixed(1)}% of the time, ` +
      `${r.involuntarySwitches} preemptions`,
  );
}
