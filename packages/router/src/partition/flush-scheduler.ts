/**
 * One doorbell per partition per event-loop turn: submit() only writes records; the hosts
 * that got records this turn are flushed together from one setImmediate, which runs after the
 * poll phase has handed the router every socket read of the turn. So a turn's requests for a
 * partition reach it as one batch, and the worker is woken (~10 µs) once for all of them.
 */
export interface Flushable {
  flush(): void;
}

const dirty: Flushable[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  // A flush never adds hosts to this list (it only publishes), so a plain loop is enough.
  for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
  dirty.length = 0;
}

/** Marks `host` for a flush at the end of this turn. The caller dedupes (one entry per turn). */
export function scheduleFlush(host: Flushable): void {
  dirty.push(host);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}
