/**
 * CPU time a process has used, for benchmarks that charge a server's CPU to the requests it
 * served (vs-redis, profile).
 */
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux unless built otherwise). */
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** User + system CPU of a process, all its threads, in µs; NaN without a pid or /proc. */
export function processCpuUs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
