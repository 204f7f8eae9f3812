/**
 * Prints the command reference (Markdown) generated from the command table, or writes it into
 * a file between `<!-- commands:start -->` and `<!-- commands:end -->`:
 *
 *   node --import tsx scripts/gen-command-reference.ts               # print
 *   node --import tsx scripts/gen-command-reference.ts --write README.md
 *   node --import tsx scripts/gen-command-reference.ts --check README.md   # exit 1 if stale
 *
 * The rendering lives in packages/proto/src/command-reference.ts (tested there).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { renderCommandReference, replaceCommandReference } from "../packages/proto/src/command-reference.js";

const args = process.argv.slice(2);
const reference = renderCommandReference();

if (args.length === 0) {
  process.stdout.write(reference);
} else if ((args[0] === "--write" || args[0] === "--check") && args.length === 2) {
  const file = args[1]!;
  const before = readFileSync(file, "utf8");
  let after: string;
  try {
    after = replaceCommandReference(before, reference);
  } catch (e) {
    console.error(`${file}: ${(e as Error).message}`);
    process.exit(2);
  }
  if (args[0] === "--check") {
    if (after !== before) {
      console.error(`${file}: the command reference is stale; run scripts/gen-command-reference.ts --write ${file}`);
      process.exit(1);
    }
  } else if (after !== before) {
    writeFileSync(file, after);
    console.error(`${file}: command reference updated`);
  } else {
    console.error(`${file}: command reference already up to date`);
  }
} else {
  console.error("usage: gen-command-reference.ts [--write FILE | --check FILE]");
  process.exit(2);
}
