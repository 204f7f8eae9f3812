/**
 * The client-visible SCAN: `SCAN prefix [LIMIT count] [CURSOR cursor] [MATCH glob]`
 * (MATCH is what the RESP front end adds when it maps Redis's SCAN onto this one).
 */
import { decodeScanCursor } from "./scan-cursor.js";

export const SCAN_DEFAULT_LIMIT = 10;
/** A page is one reply; bound it so one SCAN cannot build an unbounded reply. */
export const SCAN_MAX_LIMIT = 100_000;

export interface ScanArgs {
  prefix: Uint8Array;
  limit: number;
  /** Resume after this key (empty = from the start). */
  after: Uint8Array;
  match: Uint8Array | null;
}

const ascii = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1").toUpperCase();

/** Parses argv (argv[0] = "SCAN"); returns the arguments or an error message (code ERR). */
export function parseScanArgs(argv: readonly Uint8Array[]): ScanArgs | string {
  const args: ScanArgs = { prefix: argv[1]!, limit: SCAN_DEFAULT_LIMIT, after: new Uint8Array(0), match: null };
  for (let i = 2; i < argv.length; i += 2) {
    const name = ascii(argv[i]!);
    const value = argv[i + 1];
    if (value === undefined) return "syntax error";
    if (name === "LIMIT" || name === "COUNT") {
      const text = Buffer.from(value).toString("latin1");
      const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
      if (!(n >= 1 && n <= SCAN_MAX_LIMIT)) return `LIMIT must be an integer between 1 and ${SCAN_MAX_LIMIT}`;
      args.limit = n;
    } else if (name === "CURSOR") {
      const after = decodeScanCursor(Buffer.from(value).toString("latin1"));
      if (after === null) return "invalid cursor";
      args.after = after;
    } else if (name === "MATCH") {
      args.match = value;
    } else {
      return "syntax error";
    }
  }
  return args;
}
