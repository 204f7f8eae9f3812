/**
 * Command-name lookup for the RESP hot path. `commandByNameBytes` builds a string per call;
 * here a small direct-mapped cache keyed by the name's exact bytes answers repeated names
 * (GET, SET, get, set, ...) with a byte comparison and no allocation. Misses fall through to
 * the command table and are remembered; unknown names are not (so junk cannot evict).
 */
import { commandByNameBytes, type CommandSpec } from "@tessera/proto";

const SLOTS = 256; // power of two
const MAX_NAME_BYTES = 16; // longer than any command name in the table

const slotNames: (Uint8Array | null)[] = new Array(SLOTS).fill(null);
const slotSpecs: (CommandSpec | null)[] = new Array(SLOTS).fill(null);

function slotOf(name: Uint8Array, length: number): number {
  return (length * 131 + name[0]! * 31 + name[length - 1]! * 7 + (length > 1 ? name[1]! : 0)) & (SLOTS - 1);
}

/** The command named by `name` (any ASCII case), or undefined. */
export function lookupCommand(name: Uint8Array): CommandSpec | undefined {
  const length = name.length;
  if (length === 0 || length > MAX_NAME_BYTES) return undefined;
  const slot = slotOf(name, length);
  const cached = slotNames[slot];
  if (cached !== null && cached !== undefined && cached.length === length) {
    let i = 0;
    while (i < length && cached[i] === name[i]) i++;
    if (i === length) return slotSpecs[slot]!;
  }
  const spec = commandByNameBytes(name, 0, length);
  if (spec !== undefined) {
    slotNames[slot] = Uint8Array.prototype.slice.call(name);
    slotSpecs[slot] = spec;
  }
  return spec;
}
