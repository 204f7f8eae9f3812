/**
 * Making sure the Redis side of a comparison exists: the benchmarks that compare with Redis
 * (vs-redis, durability, recovery) install redis-server and redis-tools with apt when they are
 * missing, as the issues ask, instead of silently leaving the Redis column empty.
 */
import { spawnSync } from "node:child_process";

export function haveCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Installs redis-server and redis-tools (redis-cli, redis-benchmark) with apt-get if any is missing. */
export function ensureRedisTools(): void {
  if (haveCommand("redis-server") && haveCommand("redis-benchmark") && haveCommand("redis-cli")) return;
  console.log("redis-server / redis-benchmark missing: installing with apt-get (redis-server redis-tools) ...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  for (const args of [["apt-get", "update"], ["apt-get", "install", "-y", "redis-server", "redis-tools"]]) {
    const cmd = [...sudo, ...args];
    const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: "inherit", env });
    if (r.status !== 0) throw new Error(`'${cmd.join(" ")}' failed (exit ${r.status}); install redis-server and redis-tools by hand`);
  }
  if (!haveCommand("redis-server") || !haveCommand("redis-benchmark")) throw new Error("redis-server/redis-benchmark still missing after apt-get install");
}
