/**
 * Socket flushes deferred to the end of the current call stack, in batches: one microtask runs
 * every flush queued since it was scheduled.
 *
 * Why not queueMicrotask() per connection: Node wraps each queueMicrotask() callback in an
 * AsyncResource and a bound function. Measured with the sampling heap profiler on the native
 * port at 50 k requests/s (`pnpm bench kv --rate 50000`), that was ~450 of the ~1,800 bytes the
 * router allocated per request, and the router's young-generation collections (150 in a
 * 10-second run, 15 of them over 1 ms) are a visible part of the latency tail. A pre-resolved
 * promise's then() is V8's own microtask: one small reaction per batch.
 */
export interface DeferredFlushTarget {
  /** Writes what is buffered. Must not schedule itself again from inside (the caller dedupes). */
  flushNow(): void;
}

const queue: DeferredFlushTarget[] = [];
let scheduled = false;
const resolved = Promise.resolve();

function runQueue(): void {
  scheduled = false;
  try {
    // A flush may queue another target (it is then run in this same pass).
    for (let i = 0; i < queue.length; i++) queue[i]!.flushNow();
  } finally {
    queue.length = 0;
  }
}

/** Runs target.flushNow() once the current call stack (and the microtasks before it) is done. */
export function deferFlush(target: DeferredFlushTarget): void {
  queue.push(target);
  if (scheduled) return;
  scheduled = true;
  void resolved.then(runQueue);
}
