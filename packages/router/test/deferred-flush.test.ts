import { describe, expect, it } from "vitest";
import { deferFlush, type DeferredFlushTarget } from "../src/native/deferred-flush.js";

describe("deferFlush", () => {
  it("runs every target queued in one call stack after it, once each, in order", async () => {
    const log: string[] = [];
    const target = (name: string): DeferredFlushTarget => ({ flushNow: () => log.push(name) });
    deferFlush(target("a"));
    deferFlush(target("b"));
    log.push("stack done");
    await Promise.resolve(); // the flush microtask was queued first, so it has run now
    expect(log).toEqual(["stack done", "a", "b"]);
  });

  it("runs a target queued by a flush in the same pass, and schedules afresh afterwards", async () => {
    const log: string[] = [];
    const late: DeferredFlushTarget = { flushNow: () => log.push("late") };
    deferFlush({
      flushNow: () => {
        log.push("first");
        deferFlush(late);
      },
    });
    await Promise.resolve();
    expect(log).toEqual(["first", "late"]);
    deferFlush({ flushNow: () => log.push("next batch") });
    await Promise.resolve();
    expect(log).toEqual(["first", "late", "next batch"]);
  });
});
