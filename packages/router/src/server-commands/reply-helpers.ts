/**
 * Small reply-writing helpers for server commands (off the hot path: these commands are
 * administrative, so strings are fine here).
 *
 * RESP3 has a map type; `ReplySink` (shared by every layer) has no map member, so a sink that
 * can write maps says so by implementing `MapReplySink`. Where the sink cannot (RESP2, native,
 * tests) a map is written as Redis does for RESP2: a flat array of key, value, key, value.
 */
import type { ReplySink } from "@tessera/proto";

export interface MapReplySink extends ReplySink {
  /** Starts a map of `pairs` entries; the next 2 * pairs replies are its keys and values. */
  map(pairs: number): void;
}

export function canWriteMap(out: ReplySink): out is MapReplySink {
  return typeof (out as Partial<MapReplySink>).map === "function";
}

/** Starts a map (RESP3 sink) or the equivalent flat array (everything else). */
export function writeMapHeader(out: ReplySink, pairs: number): void {
  if (canWriteMap(out)) out.map(pairs);
  else out.array(pairs * 2);
}

export function writeBulkString(out: ReplySink, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  out.bulk(bytes, 0, bytes.length);
}

export function writeBulkStrings(out: ReplySink, items: readonly string[]): void {
  out.array(items.length);
  for (const item of items) writeBulkString(out, item);
}

/** Decodes an argument for commands whose arguments are words, not data. */
export function argText(argv: readonly Uint8Array[], index: number): string {
  const a = argv[index]!;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("utf8");
}

/** Parses a base-10 signed integer argument the way Redis does (no spaces, no '+', no leading zeros); null if invalid. */
export function argInteger(argv: readonly Uint8Array[], index: number): number | null {
  const text = argText(argv, index);
  if (!/^-?(0|[1-9][0-9]{0,17})$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}
