import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandByName, CollectingSink, type CommandSpec } from "@tessera/proto";

const enc = new TextEncoder();

export function tempDir(prefix = "tessera-wal-"): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function argv(...parts: string[]): Uint8Array[] {
  return parts.map((p) => enc.encode(p));
}

export function spec(name: string): CommandSpec {
  const s = commandByName(name);
  if (s === undefined) throw new Error(`no command ${name}`);
  return s;
}

/** Run one command against anything with execute(); returns its replies. */
export function run(engine: { execute(s: CommandSpec, a: readonly Uint8Array[], o: CollectingSink): void }, ...parts: string[]) {
  const sink = new CollectingSink();
  engine.execute(spec(parts[0]!), argv(...parts), sink);
  return sink.take();
}
