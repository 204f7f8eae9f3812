/**
 * Measures whether moving snapshot checksumming and writing to a piscina thread keeps the
 * partition more responsive (the question the design leaves open). Two runs over the same engine:
 *  - inline: SnapshotWriter as PartitionDurability uses it (encode + CRC-32C + write on the
 *    partition thread);
 *  - offload: the partition thread only encodes into a fresh chunk and hands it (transferred, no
 *    copy) to a one-thread piscina pool that computes the chunk's CRC and writes it at its offset.
 *    (A real format would then combine per-chunk CRCs; that costs microseconds and is left out.)
 * Reported: partition-thread busy time in total and the longest single step, and wall time.
 */
import { closeSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Piscina } from "piscina";
import type { DurableEngine } from "./engine-seam.js";
import { nodeFs } from "./fs-seam.js";
import { writeU64 } from "./record-codec.js";
import { SNAPSHOT_HEADER_BYTES, SNAPSHOT_ITEM_HEADER_BYTES } from "./snapshot-format.js";
import { SnapshotWriter } from "./snapshot-writer.js";
import type { ChunkTask } from "./chunk-crc-worker.js";

export interface OffloadRun {
  busyMs: number;
  longestStepMs: number;
  wallMs: number;
  items: number;
}

export async function measureSnapshotOffload(
  engine: DurableEngine,
  dir: string,
  stepItems = 256,
  chunkBytes = 1 << 20,
): Promise<{ inline: OffloadRun; offload: OffloadRun }> {
  const pool = new Piscina({ filename: new URL("./chunk-crc-worker.ts", import.meta.url).href, minThreads: 1, maxThreads: 1 });
  try {
    // Each way twice, alternating, and keep the second: the first run of either pays for JIT
    // warm-up of the engine's snapshot path.
    await inlineRun(engine, dir, stepItems, chunkBytes);
    await offloadRun(engine, dir, stepItems, chunkBytes, pool);
    const inline = await inlineRun(engine, dir, stepItems, chunkBytes);
    const offload = await offloadRun(engine, dir, stepItems, chunkBytes, pool);
    return { inline, offload };
  } finally {
    await pool.destroy();
  }
}

async function inlineRun(engine: DurableEngine, dir: string, stepItems: number, chunkBytes: number): Promise<OffloadRun> {
  const t0 = performance.now();
  const w = new SnapshotWriter({ dir, fs: nodeFs, partitionId: 0, partitions: 1, lsn: 1, nowMs: Date.now(), chunkBytes });
  engine.snapshotBegin();
  let busy = 0;
  let longest = 0;
  for (;;) {
    const s = performance.now();
    const done = w.step(engine, stepItems);
    const d = performance.now() - s;
    busy += d;
    if (d > longest) longest = d;
    if (done) break;
  }
  const r = w.finish();
  rmSync(r.path, { force: true });
  return { busyMs: busy, longestStepMs: longest, wallMs: performance.now() - t0, items: r.items };
}

async function offloadRun(engine: DurableEngine, dir: string, stepItems: number, chunkBytes: number, pool: Piscina): Promise<OffloadRun> {
  const path = join(dir, "offload.snap.tmp");
  const fd = openSync(path, "w");
  const t0 = performance.now();
  let busy = 0;
  let longest = 0;
  let chunk = Buffer.allocUnsafeSlow(chunkBytes);
  let used = SNAPSHOT_HEADER_BYTES; // header bytes left unwritten: the probe measures the items
  let position = 0;
  let items = 0;
  const pending: Promise<number>[] = [];
  const send = (): void => {
    const task: ChunkTask = { buf: chunk.buffer as ArrayBuffer, length: used, fd, position };
    pending.push(pool.run(task, { transferList: [task.buf] }) as Promise<number>);
    position += used;
    chunk = Buffer.allocUnsafeSlow(chunkBytes);
    used = 0;
  };
  const emit = (key: Uint8Array, value: Uint8Array, expiresAtMs: number): void => {
    const need = SNAPSHOT_ITEM_HEADER_BYTES + key.length + value.length;
    if (used + need > chunk.length) send();
    chunk.writeUInt32LE(key.length, used);
    chunk.writeUInt32LE(value.length, used + 4);
    writeU64(chunk, used + 8, expiresAtMs);
    chunk.set(key, used + SNAPSHOT_ITEM_HEADER_BYTES);
    chunk.set(value, used + SNAPSHOT_ITEM_HEADER_BYTES + key.length);
    used += need;
    items++;
  };
  engine.snapshotBegin();
  for (;;) {
    const s = performance.now();
    const done = engine.snapshotStep(stepItems, emit);
    if (done && used > 0) send();
    const d = performance.now() - s;
    busy += d;
    if (d > longest) longest = d;
    if (done) break;
    // Give the pool's reply messages a turn, as the worker's event loop would between batches.
    if (pending.length % 8 === 0) await new Promise((res) => setImmediate(res));
  }
  await Promise.all(pending);
  const run: OffloadRun = { busyMs: busy, longestStepMs: longest, wallMs: performance.now() - t0, items };
  closeSync(fd);
  rmSync(path, { force: true });
  return run;
}
