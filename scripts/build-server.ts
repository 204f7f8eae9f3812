/**
 * Bundles the server into plain JavaScript, so it runs on Node alone, without a TypeScript
 * loader:
 *
 *   dist/tessera.mjs            the CLI and router (packages/router/src/cli/main.ts)
 *   dist/partition-worker.mjs   a partition worker (partition-host.ts starts it from beside itself)
 *
 *   node --import tsx scripts/build-server.ts [--quiet]
 *
 * Why a bundle rather than running the sources under tsx: tsx's loader runs its hooks in a
 * thread of its own, one for the router and one more in every worker. Under load those idle
 * threads ran V8's memory-reducing mark-compacts of 6-8 ms, two at once, taking both CPUs of a
 * 2-vCPU machine from the router and the partition; the process also held ~55 MB more
 * (bench/RESULTS.md, series 7). `pnpm tessera`, the end-to-end tests and the benchmarks all start
 * this bundle, so they run and measure what users run.
 *
 * esbuild (the compiler under tsx and vitest) builds it in well under a second, so every
 * `pnpm tessera` and every test run rebuilds first and never starts a stale bundle.
 */
import { buildSync } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The bundled CLI: `node [SERVER_NODE_ARGS] SERVER_BUNDLE serve ...`. */
export const SERVER_BUNDLE = join(ROOT, "dist", "tessera.mjs");
/** Node options the server runs with: stack traces point into the TypeScript sources. */
export const SERVER_NODE_ARGS: readonly string[] = ["--enable-source-maps"];

/** Builds dist/; throws (esbuild has printed the errors with their locations) if it fails. */
export function buildServerBundle(options: { quiet?: boolean } = {}): void {
  bundleNodeScripts(
    {
      tessera: "packages/router/src/cli/main.ts",
      "partition-worker": "packages/router/src/partition/partition-worker.ts",
    },
    "dist",
    options,
  );
}

/**
 * Bundles each entry (name -> source path, relative to the repository root) into
 * `<outdir>/<name>.mjs`, an ES module for Node 20 with a linked source map. Benchmarks use it
 * for servers they compare against Tessera, so those run without a loader thread too.
 */
export function bundleNodeScripts(entryPoints: Record<string, string>, outdir: string, options: { quiet?: boolean } = {}): void {
  buildSync({
    absWorkingDir: ROOT,
    entryPoints,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    // Bundled CommonJS dependencies (protobufjs) call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __tesseraCreateRequire } from 'node:module'; const require = __tesseraCreateRequire(import.meta.url);" },
    logLevel: options.quiet ? "warning" : "info",
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    buildServerBundle({ quiet: process.argv.includes("--quiet") });
  } catch {
    process.exit(1);
  }
}
