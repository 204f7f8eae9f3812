/**
 * WATCH, the partition's half (router/transaction.ts has the router's): a version per hash slot,
 * moved by every write, and per client the versions of the slots it watches.
 *
 * Versions are per slot, not per key, so the engine needs no field per item and tracking costs
 * one CRC16 per logged write: a write to another key of a watched key's slot fails EXEC too (a
 * false conflict the client retries; with 16,384 slots it is rare), but a write to a watched key
 * is never missed. The counting rides on the engine's write log (every write the engine makes
 * effective is logged there in a few rewritten forms: SET, DEL, MSET, PEXPIREAT, PERSIST,
 * FLUSHALL), wrapped around the WAL's when there is one. It starts at the first WATCH, so a
 * partition whose clients never watch pays nothing, and a server without a WAL builds no log
 * records until then.
 *
 * A key that expires counts as written too (the engine's expire hook), so EXEC fails after a
 * watched key expired, as in Redis 6.0.9+. Writes by the watching client itself count, as in Redis.
 */
import { keyHashSlot, HASH_SLOTS } from "../routing/hash-slot.js";

interface WriteLog {
  append(argv: readonly Uint8Array[]): void;
}

// The engine writes these names in upper case (packages/partition/src/commands).
const DEL = Buffer.from("DEL");
const MSET = Buffer.from("MSET");
const FLUSHALL = Buffer.from("FLUSHALL");

function is(name: Uint8Array, word: Uint8Array): boolean {
  if (name.length !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (name[i] !== word[i]) return false;
  return true;
}

/** One client's watches: slots and the version each had when it was watched. */
interface ClientWatches {
  slots: number[];
  versions: number[];
  /** The keys themselves (copies, latin1 -> bytes): EXEC expires those whose time has come first. */
  keys: Map<string, Uint8Array>;
  /** FLUSHALL count when the first key was watched. */
  flushes: number;
}

export class WatchedKeys implements WriteLog {
  private readonly versions = new Uint32Array(HASH_SLOTS);
  /** FLUSHALL/FLUSHDB count: moves every slot at once. */
  private flushes = 0;
  private readonly clients = new Map<number, ClientWatches>();
  /** The write log this one forwards to (the WAL's), or null without durability. */
  inner: WriteLog | null = null;

  /** WriteLog: a write the engine made effective; bumps the slots of the keys it names. */
  append(argv: readonly Uint8Array[]): void {
    const name = argv[0]!;
    if (is(name, DEL)) {
      for (let i = 1; i < argv.length; i++) this.bump(argv[i]!);
    } else if (is(name, MSET)) {
      for (let i = 1; i < argv.length; i += 2) this.bump(argv[i]!);
    } else if (is(name, FLUSHALL)) {
      this.flushes++;
    } else if (argv.length > 1) {
      this.bump(argv[1]!);
    }
    if (this.inner !== null) this.inner.append(argv);
  }

  /** A key expired (the engine's expire hook): it counts as a write, as in Redis 6.0.9+. */
  expired(key: Uint8Array): void {
    this.bump(key);
  }

  /** WATCH key [key ...] of one client: notes each key's slot version now. */
  watch(clientId: number, keys: readonly Uint8Array[]): void {
    let w = this.clients.get(clientId);
    if (w === undefined) {
      w = { slots: [], versions: [], keys: new Map(), flushes: this.flushes };
      this.clients.set(clientId, w);
    }
    for (const key of keys) {
      const name = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
      if (!w.keys.has(name)) w.keys.set(name, key.slice());
      const slot = keyHashSlot(key);
      // Watched already: the first version stands (a change since then must still fail EXEC),
      // and repeated WATCHes do not grow the list.
      if (w.slots.includes(slot)) continue;
      w.slots.push(slot);
      w.versions.push(this.versions[slot]!);
    }
  }

  /** The keys a client watches (EXEC expires the overdue ones before it checks). */
  keysOf(clientId: number): Iterable<Uint8Array> {
    return this.clients.get(clientId)?.keys.values() ?? [];
  }

  /** Slots a client watches (tests). */
  watchedSlots(clientId: number): number {
    return this.clients.get(clientId)?.slots.length ?? 0;
  }

  /** UNWATCH, DISCARD, a closed connection: forget the client's watches. */
  unwatch(clientId: number): void {
    this.clients.delete(clientId);
  }

  /**
   * EXEC: true when none of the client's watched slots moved since it watched them. Forgets its
   * watches either way. A client with no record here (the partition restarted since its WATCH)
   * counts as changed: nothing proves the keys stayed the same.
   */
  takeUnchanged(clientId: number): boolean {
    const w = this.clients.get(clientId);
    if (w === undefined) return false;
    this.clients.delete(clientId);
    if (w.flushes !== this.flushes) return false;
    for (let i = 0; i < w.slots.length; i++) if (this.versions[w.slots[i]!] !== w.versions[i]) return false;
    return true;
  }

  /** Clients with watches (INFO and tests). */
  get watchingClients(): number {
    return this.clients.size;
  }

  private bump(key: Uint8Array): void {
    const slot = keyHashSlot(key);
    this.versions[slot] = (this.versions[slot]! + 1) >>> 0;
  }
}
