/**
 * A tiny Map-backed engine for the WAL tests: just enough commands (SET [PXAT], DEL, INCR,
 * PEXPIREAT, FLUSHALL) and the snapshot/load seam, with the same logging contract as the real
 * engine (every effective write is appended to the writeLog, rewritten to be deterministic).
 */
import type { CommandSpec, ReplySink } from "@tessera/proto";
import type { DurableEngine, SnapshotEmit, WriteLog } from "../src/index.js";

const dec = new TextDecoder();
const enc = new TextEncoder();

interface Entry {
  value: Uint8Array;
  expiresAtMs: number;
}

export class FakeEngine implements DurableEngine {
  readonly map = new Map<string, Entry>();
  private snap: [string, Entry][] | null = null;
  private snapPos = 0;
  constructor(
    private readonly writeLog: WriteLog | null,
    private readonly now: () => number = Date.now,
  ) {}

  execute(spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
    const a = argv.map((x) => dec.decode(x));
    switch (spec.name) {
      case "SET": {
        let exp = 0;
        if (a.length >= 5 && a[3]!.toUpperCase() === "PXAT") exp = Number(a[4]);
        if (a.length >= 5 && a[3]!.toUpperCase() === "PX") exp = this.now() + Number(a[4]);
        this.map.set(a[1]!, { value: argv[2]!.slice(), expiresAtMs: exp });
        this.log(exp === 0 ? [a[0]!, a[1]!, argv[2]!] : [a[0]!, a[1]!, argv[2]!, "PXAT", String(exp)]);
        if (exp !== 0 && exp <= this.now()) this.map.delete(a[1]!);
        out.ok();
        return;
      }
      case "DEL": {
        let n = 0;
        for (const k of a.slice(1)) if (this.live(k) && this.map.delete(k)) n++;
        if (n > 0) this.log(argv.slice());
        out.integer(n);
        return;
      }
      case "INCR": {
        const cur = this.live(a[1]!) ? Number(dec.decode(this.map.get(a[1]!)!.value)) : 0;
        const e = this.map.get(a[1]!);
        this.map.set(a[1]!, { value: enc.encode(String(cur + 1)), expiresAtMs: e?.expiresAtMs ?? 0 });
        this.log(argv.slice());
        out.integer(cur + 1);
        return;
      }
      case "PEXPIREAT": {
        const e = this.live(a[1]!) ? this.map.get(a[1]!) : undefined;
        if (e === undefined) return out.integer(0);
        e.expiresAtMs = Number(a[2]);
        this.log(argv.slice());
        if (e.expiresAtMs <= this.now()) this.map.delete(a[1]!);
        out.integer(1);
        return;
      }
      case "FLUSHALL":
        this.map.clear();
        this.log(argv.slice());
        out.ok();
        return;
      case "GET": {
        const e = this.live(a[1]!) ? this.map.get(a[1]!) : undefined;
        if (e === undefined) out.nil();
        else out.bulk(e.value, 0, e.value.length);
        return;
      }
      default:
        out.error("ERR", `fake engine: unsupported ${spec.name}`);
    }
  }

  get(key: string): string | undefined {
    const e = this.live(key) ? this.map.get(key) : undefined;
    return e === undefined ? undefined : dec.decode(e.value);
  }

  snapshotBegin(): void {
    // Point in time: copy the entries (a real engine preserves old versions instead).
    this.snap = [...this.map.entries()].map(([k, e]) => [k, { value: e.value, expiresAtMs: e.expiresAtMs }]);
    this.snapPos = 0;
  }

  snapshotStep(maxItems: number, emit: SnapshotEmit): boolean {
    const s = this.snap!;
    const end = Math.min(s.length, this.snapPos + maxItems);
    for (; this.snapPos < end; this.snapPos++) {
      const [k, e] = s[this.snapPos]!;
      emit(enc.encode(k), e.value, e.expiresAtMs);
    }
    if (this.snapPos < s.length) return false;
    this.snap = null;
    return true;
  }

  loadItem(key: Uint8Array, value: Uint8Array, expiresAtMs: number): void {
    this.map.set(dec.decode(key), { value: value.slice(), expiresAtMs });
  }

  stats(): { keys: number } {
    return { keys: this.map.size };
  }

  private live(k: string): boolean {
    const e = this.map.get(k);
    if (e === undefined) return false;
    if (e.expiresAtMs !== 0 && e.expiresAtMs <= this.now()) {
      this.map.delete(k);
      return false;
    }
    return true;
  }

  private log(parts: (string | Uint8Array)[]): void {
    this.writeLog?.append(parts.map((p) => (typeof p === "string" ? enc.encode(p) : p)));
  }
}
