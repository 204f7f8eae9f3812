/**
 * Starts the real server as a user would (`pnpm tessera serve ...` runs the bundle that
 * scripts/build-server.ts builds; test/support/build-server-setup.ts builds it before the
 * end-to-end tests) in a child process, with a temporary data directory and free ports, and waits for
 * its ready line. Every test that starts one must stop it (afterAll), so no server outlives
 * its test file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVER_BUNDLE, SERVER_NODE_ARGS } from "../../scripts/build-server.js";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Node's arguments that run the CLI: `node ...CLI_ARGS serve ...`. */
export const CLI_ARGS: readonly string[] = [...SERVER_NODE_ARGS, SERVER_BUNDLE];

export interface ServerProcess {
  readonly port: number;
  /** 0 when started without RESP. */
  readonly respPort: number;
  /** 0 when started without the admin HTTP API. */
  readonly adminPort: number;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM (or the given signal), then wait for exit; returns the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartOptions {
  partitions: number;
  /** Extra serve flags. */
  args?: string[];
  /** Also open the RESP port (on a free port). */
  resp?: boolean;
  /** Also open the admin HTTP port (on a free port); off otherwise, so servers never collide on 7381. */
  admin?: boolean;
  /** Keep this data directory (for restart tests) instead of a fresh temporary one. */
  dataDir?: string;
  /** Options for node itself, before the script (e.g. --max-old-space-size=512). */
  nodeArgs?: string[];
}

/** A port the OS says is free right now (for the RESP port, where 0 means "off"). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Runs the CLI to completion (for --help and bad-flag cases); returns exit code and output. */
export function runCli(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`tessera ${args.join(" ")} did not exit in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

const READY = /tessera ready native=([^:\s]+):(\d+) resp=(\S+)/;

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "tessera-e2e-"));
  const respPort = options.resp ? await freePort() : 0;
  const adminPort = options.admin ? await freePort() : 0;
  const args = [
    ...(options.nodeArgs ?? []),
    ...CLI_ARGS, "serve",
    "--port", "0",
    "--resp-port", String(respPort),
    "--admin-port", String(adminPort),
    "--partitions", String(options.partitions),
    "--data-dir", dataDir,
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let exited: number | string | null = null;
  const exitedPromise = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => {
      exited = code ?? signal ?? -1;
      resolve(exited);
    }),
  );
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server not ready in 60 s; output:\n${output}`)), 60_000);
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      const m = READY.exec(output);
      if (m !== null) {
        clearTimeout(t);
        resolve(m);
      }
    });
    void exitedPromise.then((code) => {
      clearTimeout(t);
      reject(new Error(`server exited (${code}) before it was ready; output:\n${output}`));
    });
  });
  const m = await ready;
  let stopped: Promise<number | string> | null = null;
  return {
    port: Number(m[2]),
    respPort,
    adminPort,
    dataDir,
    child,
    output: () => output,
    stop(signal: NodeJS.Signals = "SIGTERM") {
      stopped ??= (async () => {
        if (exited === null) child.kill(signal);
        const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
        const code = await exitedPromise;
        clearTimeout(kill);
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
        return code;
      })();
      return stopped;
    },
  };
}
