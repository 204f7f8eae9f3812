/**
 * piscina task for the snapshot-offload measurement (bench/recovery.ts --offload): CRC-32C of one
 * encoded snapshot chunk and its positional write, off the partition thread. Worker threads share
 * the process's file descriptors, so the partition passes its fd and the chunk's file offset.
 * Not used by PartitionDurability: the measurement showed no gain worth a thread (see the report
 * in bench/recovery.ts's output); kept so the measurement can be repeated.
 */
import { writeSync } from "node:fs";
import { crc32c } from "./crc32c.js";

export interface ChunkTask {
  buf: ArrayBuffer;
  length: number;
  fd: number;
  position: number;
}

export default function crcAndWrite(task: ChunkTask): number {
  const bytes = new Uint8Array(task.buf, 0, task.length);
  const crc = crc32c(bytes);
  let done = 0;
  while (done < task.length) done += writeSync(task.fd, bytes, done, task.length - done, task.position + done);
  return crc;
}
