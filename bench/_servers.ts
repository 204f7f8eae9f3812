/**
 * Starting and stopping the servers a benchmark compares (Tessera's CLI, redis-server): free
 * loopback ports, waiting for the first PONG on a RESP port, and a stop that cannot hang.
 */
import type { ChildProcess } from "node:child_process";
import { connect, createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildServerBundle, bundleNodeScripts, SERVER_BUNDLE, SERVER_NODE_ARGS } from "../scripts/build-server.js";

let tesseraBuilt = false;
let floorBuilt = false;

/**
 * Node's arguments that run Tessera's CLI as `pnpm tessera` does: the bundle (built from the
 * sources now, once per bench run), after `nodeOptions` (e.g. --cpu-prof).
 */
export function tesseraCliArgs(nodeOptions: readonly string[] = []): string[] {
  if (!tesseraBuilt) buildServerBundle({ quiet: true });
  tesseraBuilt = true;
  return [...SERVER_NODE_ARGS, ...nodeOptions, SERVER_BUNDLE];
}

/** Where bench programs other than Tessera are bundled. */
const BENCH_DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bench");

/**
 * The same for the Node floor server (bench/_node-floor-server.ts), bundled alike so it too runs
 * without tsx's loader thread: the comparison is of servers, not of how they were loaded.
 */
export function nodeFloorArgs(): string[] {
  if (!floorBuilt) bundleNodeScripts({ "node-floor-server": "bench/_node-floor-server.ts" }, BENCH_DIST, { quiet: true });
  floorBuilt = true;
  return [join(BENCH_DIST, "node-floor-server.mjs")];
}

/** The `pnpm bench kv` load generator (bench/_kv-load.ts), bundled: a worker_threads entry file. */
export function loadGeneratorModule(): string {
  bundleNodeScripts({ "kv-load": "bench/_kv-load.ts" }, BENCH_DIST, { quiet: true });
  return join(BENCH_DIST, "kv-load.mjs");
}

/** A loopback port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** True once an inline `PING` on the RESP port answers +PONG (false on refusal or after 1 s). */
export function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: "127.0.0.1" });
    let got = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on("error", () => done(false));
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if (got.includes("\r\n")) done(got.startsWith("+PONG"));
    });
  });
}

/** Polls PING until the server answers; fails if the process exits first or the time runs out. */
export async function waitReady(port: number, child: ChildProcess, what: string, timeoutMs = 90_000, pollMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before it was ready`);
    if (await pingOnce(port)) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`${what} did not answer PING on port ${port} within ${timeoutMs / 1000} s`);
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopProcess(proc: ChildProcess, graceMs = 20_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
