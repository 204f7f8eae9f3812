/**
 * Redis's `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` mapped onto Tessera's native
 * SCAN (`SCAN prefix [LIMIT n] [CURSOR c] [MATCH glob]`, merged across partitions in key
 * order by the router):
 * - a MATCH that is a plain prefix (`user:*`, escapes resolved) becomes the prefix, so the
 *   ordered index alone answers it, with no per-key filtering;
 * - any other glob scans its longest literal prefix and filters with MATCH on the partitions;
 * - the cursor is a decimal number, as Redis clients expect (redis-cli parses it with
 *   strtoull): ScanCursorRegistry maps it to the key position the router's own cursor names;
 *   "0" starts and ends a scan;
 * - COUNT is a hint, as in Redis: it bounds the keys examined per page (clamped to the
 *   router's page limit);
 * - TYPE: every Tessera value is a string, so TYPE string scans normally and any other Redis
 *   type answers an empty, finished page.
 */
import { Errors } from "@tessera/proto";
import { globLiteralPrefix } from "../server-commands/glob.js";
import { SCAN_DEFAULT_LIMIT, SCAN_MAX_LIMIT } from "../routing/scan-args.js";
import { encodeScanCursor } from "../routing/scan-cursor.js";
import type { ScanCursorRegistry } from "./scan-cursors.js";

export type RedisScanTranslation =
  | { readonly kind: "native"; readonly argv: Uint8Array[] }
  | { readonly kind: "empty" }
  | { readonly kind: "error"; readonly message: string };

const LIMIT = Buffer.from("LIMIT");
const CURSOR = Buffer.from("CURSOR");
const MATCH = Buffer.from("MATCH");
const EMPTY = Buffer.alloc(0);
const REDIS_TYPES = new Set(["string", "list", "set", "zset", "hash", "stream"]);

const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/** argv = Redis's SCAN request (argv[0] = "SCAN"). Returns the native SCAN argv, or what to answer instead. */
export function translateRedisScan(argv: readonly Uint8Array[], cursors: ScanCursorRegistry): RedisScanTranslation {
  const after = cursors.lookup(text(argv[1]!));
  if (after === null) return { kind: "error", message: Errors.invalidCursor() };
  let pattern: Uint8Array | null = null;
  let count = SCAN_DEFAULT_LIMIT;
  let onlyOtherType = false;
  for (let i = 2; i < argv.length; i += 2) {
    const option = text(argv[i]!).toUpperCase();
    const value = argv[i + 1];
    if (value === undefined) return { kind: "error", message: Errors.syntax() };
    if (option === "MATCH") {
      pattern = value;
    } else if (option === "COUNT") {
      const t = text(value);
      if (!/^-?\d{1,18}$/.test(t)) return { kind: "error", message: Errors.notInteger() };
      const n = Number(t);
      if (n < 1) return { kind: "error", message: Errors.syntax() };
      count = Math.min(n, SCAN_MAX_LIMIT);
    } else if (option === "TYPE") {
      const type = text(value).toLowerCase();
      if (!REDIS_TYPES.has(type)) return { kind: "error", message: `unknown type name '${text(value)}'` };
      onlyOtherType = type !== "string";
    } else {
      return { kind: "error", message: Errors.syntax() };
    }
  }
  if (onlyOtherType) return { kind: "empty" };

  let prefix: Uint8Array = EMPTY;
  let match: Uint8Array | null = null;
  if (pattern !== null) {
    const lit = globLiteralPrefix(pattern);
    prefix = lit.prefix;
    // `*` alone matches everything: no prefix and no filter.
    if (!lit.isPlainPrefix) match = pattern;
  }
  const out: Uint8Array[] = [argv[0]!, prefix, LIMIT, Buffer.from(String(count))];
  if (after.length > 0) out.push(CURSOR, Buffer.from(encodeScanCursor(after), "latin1"));
  if (match !== null) out.push(MATCH, match);
  return { kind: "native", argv: out };
}
