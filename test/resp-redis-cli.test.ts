/**
 * redis-cli against the RESP port, as an operator would use it: runs scripts/redis-cli-smoke.sh
 * (which starts its own server, checks PING, SET/GET, INFO, --scan --pattern, --pipe, errors,
 * HELLO 3, and stops the server).
 *
 * When redis-cli is missing the test installs redis-tools with apt-get (as root, the CI case),
 * so CI always runs it; when that is impossible here (not root, no apt-get, no network), the
 * test is skipped and the skip says why.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/server-process.js";

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** Null when redis-cli is (now) available, else why not. */
function ensureRedisCli(): string | null {
  if (has("redis-cli")) return null;
  if (process.getuid?.() !== 0 || !has("apt-get")) return "redis-cli is not installed and cannot be installed here (needs root and apt-get); install redis-tools";
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "redis-tools"]]) {
    const r = spawnSync("apt-get", args, { env, encoding: "utf8", timeout: 240_000 });
    if (r.status !== 0) return `redis-cli is not installed and 'apt-get ${args.join(" ")}' failed (exit ${r.status}): ${(r.stderr ?? "").trim().slice(-300)}`;
  }
  return has("redis-cli") ? null : "redis-tools installed but redis-cli is still not on PATH";
}

describe("redis-cli smoke", () => {
  it("behaves as with Redis (scripts/redis-cli-smoke.sh)", (ctx) => {
    const missing = ensureRedisCli();
    if (missing !== null) {
      ctx.skip(missing);
      return;
    }
    const r = spawnSync("bash", [join(REPO_ROOT, "scripts/redis-cli-smoke.sh")], { cwd: REPO_ROOT, encoding: "utf8", timeout: 300_000 });
    const output = `${r.stdout}\n${r.stderr}`;
    expect(r.status, output).toBe(0);
    expect(output).toMatch(/redis-cli smoke: OK \(\d+ checks/);
  }, 600_000);
});
