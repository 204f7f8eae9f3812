/**
 * The `tessera` command as an operator uses it: help texts, bad flags, the ready line, a data
 * directory created on first start, and graceful shutdown on SIGTERM and SIGINT with requests
 * in flight (every request sent before the signal is answered, exit status 0).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RawNativeClient } from "../packages/router/test/support/raw-native-client.js";
import { runCli, startServer } from "./support/server-process.js";

describe("tessera CLI", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("tessera --help lists the commands; no command is a usage error", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/serve/);
    expect(help.stdout).toMatch(/bench/);
    const bench = await runCli(["bench"]);
    expect(bench.stdout + bench.stderr).toMatch(/benchmarks: .*kv/);
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/usage: tessera/);
    const unknown = await runCli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it("tessera serve --help prints every flag with its default", async () => {
    const r = await runCli(["serve", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--host", "--port", "--resp-port", "--data-dir", "--partitions", "--config", "--maxmemory", "--max-value-bytes", "--maxclients", "--fsync"]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/--port PORT .*\(default: 7379\)/);
    expect(r.stdout).toMatch(/--resp-port PORT .*\(default: 7380\)/);
  });

  it("unknown flags and bad values exit 2 with the reason and the usage", async () => {
    for (const [args, reason] of [
      [["--bogus"], /unknown flag '--bogus'/],
      [["--maxmemory", "lots"], /--maxmemory: expects a size/],
      [["--fsync", "sometimes"], /always, everysec or no/],
      [["--config", "/nonexistent/tessera.json"], /--config \/nonexistent\/tessera.json/],
    ] as const) {
      const r = await runCli(["serve", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).toMatch(/usage: tessera serve/);
    }
  });

  it("creates a missing data directory, prints the ready line, and stops on SIGTERM after answering in-flight requests", async () => {
    const parent = mkdtempSync(join(tmpdir(), "tessera-cli-"));
    dirs.push(parent);
    const dataDir = join(parent, "nested", "data");
    const server = await startServer({ partitions: 2, dataDir, resp: true });
    expect(existsSync(dataDir)).toBe(true);
    expect(server.output()).toMatch(new RegExp(`tessera ready native=127\\.0\\.0\\.1:${server.port} resp=127\\.0\\.0\\.1:${server.respPort} partitions=2`));
    const c = await RawNativeClient.connect(server.port);
    const n = 5000;
    for (let i = 1; i <= n; i++) c.queue(i, ["SET", `k${i % 100}`, `v${i}`]);
    c.flush();
    await c.waitFrames(1);
    const code = server.stop("SIGTERM");
    const frames = await c.waitFrames(n, 20_000);
    expect(frames.every((f) => f.value.kind === "ok")).toBe(true);
    expect(await code).toBe(0);
    expect(server.output()).toMatch(/shutting down/);
    c.close();
  });

  it("keeps the data across a restart on the same data dir, and refuses a different partition count", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-cli-restart-"));
    dirs.push(dataDir);
    const first = await startServer({ partitions: 2, dataDir });
    const c1 = await RawNativeClient.connect(first.port);
    c1.queue(1, ["MSET", "r:a", "1", "r:b", "2", "r:c", "3"]);
    c1.queue(2, ["INCRBY", "r:n", "42"]);
    c1.flush();
    await c1.waitFrames(2);
    c1.close();
    expect(await first.stop()).toBe(0);

    const second = await startServer({ partitions: 2, dataDir });
    const c2 = await RawNativeClient.connect(second.port);
    const mget = await c2.call(1, ["MGET", "r:a", "r:b", "r:c", "r:n"]);
    expect(mget.kind === "array" && mget.items.map((i) => (i.kind === "bulk" ? Buffer.from(i.value).toString() : i.kind))).toEqual(["1", "2", "3", "42"]);
    c2.close();
    expect(await second.stop()).toBe(0);

    const wrong = await runCli(["serve", "--port", "0", "--resp-port", "0", "--partitions", "3", "--data-dir", dataDir]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/could not start: .*partition/i);
  });

  it("starts when node itself is given V8 and process-wide options (they are not passed to the partition workers)", async () => {
    // A worker given --max-old-space-size or --expose-gc in its execArgv refuses to start
    // (ERR_WORKER_INVALID_EXEC_ARGV); they apply to every thread anyway.
    const server = await startServer({ partitions: 2, nodeArgs: ["--max-old-space-size=512", "--expose-gc", "--no-warnings"] });
    const c = await RawNativeClient.connect(server.port);
    expect(await c.call(1, ["SET", "k", "v"])).toEqual({ kind: "ok" });
    const got = await c.call(2, ["GET", "k"]);
    expect(got.kind === "bulk" ? Buffer.from(got.value).toString() : got.kind).toBe("v");
    c.close();
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  it("stops on SIGINT with exit status 0", async () => {
    const server = await startServer({ partitions: 1 });
    const c = await RawNativeClient.connect(server.port);
    expect(await c.call(1, ["PING"])).toEqual({ kind: "status", text: "PONG" });
    expect(await server.stop("SIGINT")).toBe(0);
    await c.waitClosed();
  });
});
