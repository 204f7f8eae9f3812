/**
 * A tiny stand-in for PartitionEngine, used only by the ring/host tests so they exercise the
 * transport without depending on the real engine's progress. A Map is fine here: it is a test
 * fixture, not the store. Commands: SET key value, GET key, INCR key, APPEND key value,
 * DEL key..., MGET key..., DBSIZE, STRLEN key. Special: GET __throw__ throws (a handler bug);
 * GET __spin__ busy-waits 200 ms (a slow request).
 */
import type { CommandSpec, ReplySink } from "@tessera/proto";

const text = new TextDecoder();

export class PartitionEngine {
  private readonly map = new Map<string, Uint8Array>();
  expiredTotal = 0;

  constructor(readonly options: Record<string, unknown> = {}) {}

  execute(spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
    const key = argv.length > 1 ? text.decode(argv[1]) : "";
    switch (spec.name) {
      case "SET":
        this.map.set(key, argv[2]!.slice());
        out.ok();
        return;
      case "GET": {
        if (key === "__throw__") throw new Error("fixture: deliberate handler failure");
        if (key === "__spin__") {
          const until = Date.now() + 200;
          while (Date.now() < until) {
            // busy: a slow request
          }
        }
        const v = this.map.get(key);
        if (v === undefined) out.nil();
        else out.bulk(v, 0, v.length);
        return;
      }
      case "INCR": {
        const v = this.map.get(key);
        const n = (v === undefined ? 0 : Number(text.decode(v))) + 1;
        this.map.set(key, new TextEncoder().encode(String(n)));
        out.integer(n);
        return;
      }
      case "APPEND": {
        const v = this.map.get(key) ?? new Uint8Array(0);
        const next = new Uint8Array(v.length + argv[2]!.length);
        next.set(v);
        next.set(argv[2]!, v.length);
        this.map.set(key, next);
        out.integer(next.length);
        return;
      }
      case "STRLEN":
        out.integer(this.map.get(key)?.length ?? 0);
        return;
      case "DEL": {
        let n = 0;
        for (let i = 1; i < argv.length; i++) if (this.map.delete(text.decode(argv[i]))) n++;
        out.integer(n);
        return;
      }
      case "MGET":
        out.array(argv.length - 1);
        for (let i = 1; i < argv.length; i++) {
          const v = this.map.get(text.decode(argv[i]));
          if (v === undefined) out.nil();
          else out.bulk(v, 0, v.length);
        }
        return;
      case "DBSIZE":
        out.integer(this.map.size);
        return;
      default:
        out.error("ERR", `fixture engine does not know '${spec.name}'`);
    }
  }

  activeExpire(_maxWork: number): number {
    return 0;
  }

  stats(): { keys: number; usedBytes: number; reservedBytes: number; maxMemoryBytes: number; expiredKeys: number } {
    let used = 0;
    for (const [k, v] of this.map) used += k.length + v.length;
    return { keys: this.map.size, usedBytes: used, reservedBytes: used, maxMemoryBytes: 0, expiredKeys: this.expiredTotal };
  }
}
