/**
 * A doorbell between two threads over two Int32 words of a SharedArrayBuffer: a sequence
 * counter and a "waiter is (about to be) asleep" flag.
 *
 * Why a sequence counter and not a flag: the waiter reads the sequence, re-checks its
 * condition (ring non-empty), and only then waits *on that sequence value*. A ring that lands
 * after the re-check has already bumped the sequence, so `Atomics.waitAsync` returns
 * "not-equal" at once instead of sleeping through it. With a plain flag-then-notify protocol a
 * wake-up was occasionally lost on Node 20.
 *
 * Why the sleeping flag: a busy consumer does not need a notify (it re-checks the ring before it
 * sleeps), and `Atomics.notify` is not free. The ordering argument is Dekker's: the waiter stores
 * sleeping=1 then loads the sequence; the ringer adds to the sequence then loads sleeping. Under
 * sequentially consistent atomics, either the ringer sees sleeping=1 (and notifies), or the
 * waiter's load sees the new sequence (and does not sleep).
 *
 * Why a backstop on top: belt and braces. If a notify is lost anyway (a platform bug, or the
 * test hook below), the waiter's owner finds the work on its next periodic check (the worker's
 * maintenance tick, the host's backstop timer), does it, and counts a *rescue*. A non-zero rescue
 * count in production is a bug report, not a stall.
 *
 * Why the wait itself has no timeout: on Node 20 a timed `Atomics.waitAsync` posts a delayed task
 * to the platform for every wait, which costs an extra event-loop wake-up per wait; measured with
 * 2 partitions under redis-benchmark GET at pipeline 1, waits without a timeout took the server
 * from 13.6 to 12.5 µs of CPU per request. A periodic check costs the same whatever the rate.
 */
/** `Atomics.waitAsync` (Node >= 16; typed here because the ES2023 lib predates it). */
export type WaitAsyncResult = { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult;
}).waitAsync;

export class Doorbell {
  /** Test hook: how many upcoming rings skip their notify (to prove the backstop works). */
  skipNotifies = 0;
  /** Notifies actually sent (a ring that found the waiter busy sends none). */
  notifies = 0;

  constructor(
    private readonly words: Int32Array,
    private readonly seqIndex: number,
    private readonly sleepingIndex: number,
  ) {}

  /** Producer side, after publishing: bump the sequence and wake the waiter if it sleeps. */
  ring(): void {
    Atomics.add(this.words, this.seqIndex, 1);
    if (Atomics.load(this.words, this.sleepingIndex) === 0) return;
    if (this.skipNotifies > 0) {
      this.skipNotifies--;
      return;
    }
    this.notifies++;
    Atomics.notify(this.words, this.seqIndex);
  }

  /**
   * Waiter side, step 1: announce the intent to sleep and return the sequence to wait on. The
   * caller must re-check its condition after this call and before `waitAsync`.
   */
  prepareToSleep(): number {
    Atomics.store(this.words, this.sleepingIndex, 1);
    return Atomics.load(this.words, this.seqIndex);
  }

  /** Waiter side: awake again (skip notifies while busy). */
  awake(): void {
    Atomics.store(this.words, this.sleepingIndex, 0);
  }

  /**
   * Waiter side, step 2: sleep until a notify (no timeout: see the header). Returns the raw
   * `Atomics.waitAsync` result: `{ async: false, value: "not-equal" }` when the sequence already
   * moved past `seq`. A wait stays armed until the next notify, so an owner that rescued lost
   * work keeps it armed rather than arming another.
   */
  sleep(seq: number): WaitAsyncResult {
    return waitAsync(this.words, this.seqIndex, seq, Infinity);
  }

  get sequence(): number {
    return Atomics.load(this.words, this.seqIndex);
  }
}
