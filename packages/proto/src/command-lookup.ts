/**
 * Finds a command in the table from its name's bytes, case-insensitively, without building a
 * string: the front ends (protobuf and RESP) call this once per request.
 *
 * Names are bucketed by (length, first letter); a bucket holds one or two names, compared
 * byte by byte with ASCII case folding.
 */
import { COMMANDS, type CommandSpec } from "./commands.js";

/** Longest name the table can hold; longer inputs are unknown commands without a look. */
const MAX_NAME_BYTES = 31;

interface Candidate {
  readonly spec: CommandSpec;
  /** Upper-case ASCII bytes of the name. */
  readonly upper: Uint8Array;
}

const buckets: (Candidate[] | undefined)[] = new Array((MAX_NAME_BYTES + 1) * 32);

function bucketIndex(length: number, firstByte: number): number {
  // `& 31` folds upper and lower case ASCII letters onto the same slot.
  return length * 32 + (firstByte & 31);
}

for (const spec of COMMANDS) {
  const upper = Buffer.from(spec.name.toUpperCase(), "latin1");
  if (upper.length === 0 || upper.length > MAX_NAME_BYTES) throw new Error(`command name '${spec.name}' is not 1..${MAX_NAME_BYTES} bytes`);
  const i = bucketIndex(upper.length, upper[0]!);
  (buckets[i] ??= []).push({ spec, upper });
}

/**
 * The command whose name is `bytes[offset, offset+length)` (any ASCII case), or undefined.
 * Allocates nothing.
 */
export function findCommand(bytes: Uint8Array, offset = 0, length = bytes.length - offset): CommandSpec | undefined {
  if (length === 0 || length > MAX_NAME_BYTES) return undefined;
  const bucket = buckets[bucketIndex(length, bytes[offset]!)];
  if (bucket === undefined) return undefined;
  for (let c = 0; c < bucket.length; c++) {
    const candidate = bucket[c]!;
    const upper = candidate.upper;
    let i = 0;
    for (; i < length; i++) {
      let b = bytes[offset + i]!;
      if (b >= 97 && b <= 122) b -= 32;
      if (b !== upper[i]) break;
    }
    if (i === length) return candidate.spec;
  }
  return undefined;
}
