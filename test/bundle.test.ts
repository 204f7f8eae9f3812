/**
 * The bundled server (scripts/build-server.ts), as `pnpm tessera` runs it: its worker is found
 * under a content-hashed name, and it loads the hardware CRC-32C from dist/ as the sources do.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { crc32cImplementation } from "../packages/wal/src/crc32c.js";
import { SERVER_BUNDLE } from "../scripts/build-server.js";
import { startServer } from "./support/server-process.js";

describe("the server bundle", () => {
  it("names its partition worker by content hash, and that file exists beside it", () => {
    const names = [...readFileSync(SERVER_BUNDLE, "utf8").matchAll(/partition-worker-[A-Z0-9]+\.mjs/g)].map((m) => m[0]);
    expect(new Set(names).size).toBe(1);
    expect(existsSync(join(dirname(SERVER_BUNDLE), names[0]!))).toBe(true);
  });

  it("checks WAL records with the same CRC-32C implementation as the sources (the addon loads from dist/)", async () => {
    const s = await startServer({ partitions: 1, resp: true });
    const c = new Redis({ port: s.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await c.connect();
      expect(await c.info("persistence")).toContain(`tessera_crc32c:${crc32cImplementation}\r\n`);
      expect(crc32cImplementation).toBe("native"); // linux x64 has the prebuilt addon
    } finally {
      c.disconnect();
      await s.stop();
    }
  });
});
