/**
 * `pnpm bench <name> [flags]`: runs bench/<name>.ts. Each benchmark prints a human table and,
 * as its last line, one JSON object with its figures, so results can be collected by scripts.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "main.ts" && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .sort();

const name = process.argv[2];
if (name === undefined || name === "--help" || name === "-h") {
  console.log(`usage: pnpm bench <name> [flags]   (pnpm bench <name> --help for its flags)\n\nbenchmarks: ${available.join(", ")}`);
  process.exit(name === undefined ? 1 : 0);
}
const file = join(here, `${name}.ts`);
if (!existsSync(file) || !available.includes(name)) {
  console.error(`unknown benchmark '${name}'; available: ${available.join(", ")}`);
  process.exit(2);
}
// Benchmarks read their own flags from process.argv.slice(3).
await import(pathToFileURL(file).href);
