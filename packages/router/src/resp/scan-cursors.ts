/**
 * Numeric SCAN cursors for the RESP port.
 *
 * Tessera's own SCAN cursor is the last key covered (base64url), which is what lets a scan
 * resume exactly, in key order, across partitions. Redis clients, however, treat the cursor as
 * an unsigned 64-bit number: redis-cli parses it with strtoull, so a non-numeric cursor ends
 * `redis-cli --scan` after the first page. The RESP front end therefore hands out small
 * decimal ids and remembers which key position each stands for.
 *
 * The table is global to the RESP server (a client may continue a scan on another pooled
 * connection), bounded by entry count and key bytes, oldest evicted first; an id that was
 * evicted or never issued (say, from before a restart) answers "ERR invalid cursor" rather
 * than silently restarting the scan.
 */
export class ScanCursorRegistry {
  private readonly positions = new Map<number, Uint8Array>();
  private bytes = 0;
  private nextId: number;

  constructor(
    private readonly maxEntries = 65_536,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {
    if (!(maxEntries > 0 && maxBytes > 0)) throw new Error("ScanCursorRegistry: bounds must be positive");
    // A random start so ids from a previous server process are unlikely to be taken as ours.
    this.nextId = 1 + Math.floor(Math.random() * 2 ** 40);
  }

  get size(): number {
    return this.positions.size;
  }

  /** A new cursor standing for "resume after `afterKey`" (copied). */
  register(afterKey: Uint8Array): string {
    const id = this.nextId++;
    const key = Uint8Array.prototype.slice.call(afterKey);
    this.positions.set(id, key);
    this.bytes += key.length;
    while (this.positions.size > this.maxEntries || (this.bytes > this.maxBytes && this.positions.size > 1)) {
      const oldest = this.positions.keys().next().value as number;
      this.bytes -= this.positions.get(oldest)!.length;
      this.positions.delete(oldest);
    }
    return String(id);
  }

  /** The key position of a cursor we issued; an empty array for "0" (start); null when unknown. */
  lookup(cursor: string): Uint8Array | null {
    if (cursor === "0") return new Uint8Array(0);
    // Read as Redis reads a cursor (strtoull): leading white space, a "+", leading zeros.
    const m = /^[ \t\n\v\f\r]*\+?0*([0-9]*)$/.exec(cursor);
    if (m === null || !/[0-9]/.test(cursor)) return null;
    const digits = m[1]!;
    if (digits === "") return new Uint8Array(0);
    if (digits.length > 16) return null;
    return this.positions.get(Number(digits)) ?? null;
  }
}
