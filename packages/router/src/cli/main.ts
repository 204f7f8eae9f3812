/**
 * The `tessera` command (`pnpm tessera <subcommand> ...`).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serve } from "./serve.js";

/**
 * The benchmark dispatcher of the repository (bench/main.ts), when running from a checkout:
 * this file runs from packages/router/src/cli/ (sources) or from dist/ (the bundle).
 */
const BENCH_MAIN = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "../../../../bench/main.ts" : "../bench/main.ts", import.meta.url));

/** `tessera bench ...` = `pnpm bench ...`: runs the repository's benchmark dispatcher. */
function bench(args: readonly string[]): Promise<number> {
  if (!existsSync(BENCH_MAIN)) {
    process.stderr.write("tessera bench: the benchmarks live in the source repository (bench/); run pnpm bench there\n");
    return Promise.resolve(2);
  }
  return new Promise((resolve) => {
    // bench/main.ts reads its benchmark name at argv[2], like `node bench/main.ts <name>`.
    // The benchmarks are TypeScript: they run under tsx, which a checkout has installed.
    const tsx = import.meta.resolve("tsx");
    const child = spawn(process.execPath, ["--import", tsx, BENCH_MAIN, ...args], { stdio: "inherit" });
    child.on("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

const MAIN_USAGE = `usage: tessera <command> [flags]

commands:
  serve      start the server (tessera serve --help for its flags)
  bench      run a benchmark: tessera bench <name> [flags] (same as pnpm bench; e.g. bench kv --help)
  help       print this text

Quick start: pnpm tessera serve   (native port 7379, RESP port 7380, data in ./data)`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serve(rest);
    case "bench":
      return bench(rest);
    case undefined:
      process.stderr.write(MAIN_USAGE + "\n");
      return 2;
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(MAIN_USAGE + "\n");
      return 0;
    default:
      process.stderr.write(`tessera: unknown command '${command}'\n\n${MAIN_USAGE}\n`);
      return 2;
  }
}

const code = await main(process.argv.slice(2));
// Exit explicitly: worker threads and sockets are closed by then, but a stray timer must not
// keep a stopped server alive.
process.exit(code);
