/**
 * Bundles the server into plain JavaScript, so it runs on Node alone, without a TypeScript
 * loader:
 *
 *   dist/tessera.mjs                   the CLI and router (packages/router/src/cli/main.ts)
 *   dist/partition-worker-<hash>.mjs   a partition worker; tessera.mjs carries its name
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
 *
 * Why the worker's name carries a hash of its content: a running server starts workers (and
 * restarts a crashed one) from its file long after it started. Rebuilding over a fixed name
 * would hand it a worker of other sources (a changed ring layout made one crash-loop with
 * "Invalid atomic access index"); under a hashed name it keeps finding its own. Files are
 * written to a temporary name and renamed, so nothing ever loads a half-written bundle.
 * Old worker bundles are never removed by the build (a server started long ago may still need
 * its own); a new file appears only when the worker's sources change, ~0.4 MB each.
 */
import { buildSync } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");

/** The bundled CLI: `node [SERVER_NODE_ARGS] SERVER_BUNDLE serve ...`. */
export const SERVER_BUNDLE = join(DIST, "tessera.mjs");
/** Node options the server runs with: stack traces point into the TypeScript sources. */
export const SERVER_NODE_ARGS: readonly string[] = ["--enable-source-maps"];

/** Builds dist/; throws (esbuild has printed the errors with their locations) if it fails. */
export function buildServerBundle(options: { quiet?: boolean } = {}): void {
  const written = bundleNodeScripts({ "partition-worker": "packages/router/src/partition/partition-worker.ts" }, DIST, { ...options, entryNames: "[name]-[hash]" });
  const worker = written.find((f) => f.endsWith(".mjs"))!;
  bundleNodeScripts({ tessera: "packages/router/src/cli/main.ts" }, DIST, { ...options, define: { __TESSERA_PARTITION_WORKER__: JSON.stringify(basename(worker)) } });
}

/**
 * Bundles each entry (name -> source path, relative to the repository root) into
 * `<outdir>/<entryNames>.mjs` (default `[name]`), an ES module for Node 20 with a linked
 * source map; returns the files written. Benchmarks use it for the servers they compare against
 * Tessera and for their load generator, so those run without a loader thread too.
 */
export function bundleNodeScripts(
  entryPoints: Record<string, string>,
  outdir: string,
  options: { quiet?: boolean; entryNames?: string; define?: Record<string, string> } = {},
): string[] {
  const result = buildSync({
    absWorkingDir: ROOT,
    entryPoints,
    outdir,
    entryNames: options.entryNames ?? "[name]",
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    define: options.define ?? {},
    // Bundled CommonJS dependencies (protobufjs) call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __tesseraCreateRequire } from 'node:module'; const require = __tesseraCreateRequire(import.meta.url);" },
    logLevel: options.quiet ? "warning" : "info",
    write: false,
  });
  const written: string[] = [];
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
    written.push(file.path);
  }
  return written;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    buildServerBundle({ quiet: process.argv.includes("--quiet") });
  } catch (e) {
    // esbuild has printed its own errors with their locations; anything else is said here.
    if (!(e instanceof Error && "errors" in e)) console.error(`build-server: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
