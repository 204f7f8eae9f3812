/**
 * Durability through the real server: restarts keep data under every fsync policy, expiry is
 * absolute across restarts, a torn WAL tail is cut and reported, a corrupt snapshot falls back,
 * and a restart with a different --partitions is refused with a message that says what to do.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { CLI_ARGS, freePort, REPO_ROOT } from "./support/server-process.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { TesseraClient } from "@tessera/client";

const ROOT = REPO_ROOT;

interface Running {
  proc: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
const dirs: string[] = [];
afterEach(() => {
  for (const p of running) p.kill("SIGKILL");
  running.clear();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tessera-durability-"));
  dirs.push(d);
  return d;
}

function spawnServer(dir: string, port: number, flags: string[], env: Record<string, string> = {}): Running {
  const proc = spawn(process.execPath, [...CLI_ARGS, "serve", "--data-dir", dir, "--host", "127.0.0.1", "--port", String(port), "--resp-port", "0", "--admin-port", "0", ...flags], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  running.add(proc);
  const chunks: string[] = [];
  proc.stdout!.on("data", (d: Buffer) => chunks.push(d.toString()));
  proc.stderr!.on("data", (d: Buffer) => chunks.push(d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once("exit", (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  return { proc, port, output: () => chunks.join(""), exited };
}

/** Start and wait for the ready line; returns a connected native client too. */
async function start(dir: string, flags: string[] = [], env: Record<string, string> = {}): Promise<{ server: Running; client: TesseraClient }> {
  const server = spawnServer(dir, await freePort(), ["--partitions", "2", ...flags], env);
  const deadline = Date.now() + 60_000;
  while (!server.output().includes("tessera ready")) {
    if (server.proc.exitCode !== null) throw new Error(`server exited ${server.proc.exitCode}:\n${server.output()}`);
    if (Date.now() > deadline) throw new Error(`server not ready in 60 s:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const client = await TesseraClient.connect({ host: "127.0.0.1", port: server.port, reconnect: false });
  return { server, client };
}

async function stopGracefully(s: { server: Running; client: TesseraClient }): Promise<void> {
  await s.client.close();
  s.server.proc.kill("SIGTERM");
  await s.server.exited;
}

async function kill(s: { server: Running; client: TesseraClient }): Promise<void> {
  s.client.destroy();
  s.server.proc.kill("SIGKILL");
  await s.server.exited;
}

function walFiles(dir: string): string[] {
  const out: string[] = [];
  for (const p of readdirSync(dir).filter((n) => /^p\d+$/.test(n))) {
    const w = join(dir, p, "wal");
    for (const n of readdirSync(w).filter((x) => x.endsWith(".wal"))) out.push(join(w, n));
  }
  return out.sort();
}

describe("durability through the server", () => {
  for (const fsync of ["always", "everysec", "no"]) {
    it(`fsync ${fsync}: a graceful restart keeps every key, value and expiry`, async () => {
      const dir = dataDir();
      let s = await start(dir, ["--fsync", fsync]);
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 500; i++) writes.push(s.client.set(`key:${i}`, `value:${i}`));
      writes.push(s.client.incr("counter"), s.client.incr("counter"), s.client.append("key:1", "+more"));
      writes.push(s.client.set("ttl:long", "x", { px: 3_600_000 }), s.client.set("ttl:short", "y", { px: 300 }));
      writes.push(s.client.del("key:2"));
      await Promise.all(writes);
      await stopGracefully(s);
      await new Promise((r) => setTimeout(r, 400)); // ttl:short expires while the server is down
      s = await start(dir, ["--fsync", fsync]);
      expect(await s.client.dbsize()).toBe(500 - 1 + 1 + 1); // minus key:2, plus counter and ttl:long
      expect(await s.client.getString("key:499")).toBe("value:499");
      expect(await s.client.getString("key:1")).toBe("value:1+more");
      expect(await s.client.getString("key:2")).toBeNull();
      expect(await s.client.getString("counter")).toBe("2");
      const pttl = await s.client.pttl("ttl:long");
      expect(pttl).toBeGreaterThan(3_500_000);
      expect(pttl).toBeLessThanOrEqual(3_600_000);
      expect(await s.client.getString("ttl:short")).toBeNull();
      await stopGracefully(s);
    });
  }

  it("CONFIG SET appendfsync switches every partition's WAL policy at run time", async () => {
    const dir = dataDir();
    const s = await start(dir, ["--fsync", "no"]);
    const fsyncs = async (): Promise<number> => {
      // Partitions report their figures about once a second.
      await new Promise((r) => setTimeout(r, 1_300));
      const info = String(await s.client.command("INFO", "persistence"));
      const m = /tessera_wal_fsyncs:(\d+)/.exec(info);
      if (m === null) throw new Error(`no tessera_wal_fsyncs in INFO:\n${info}`);
      return Number(m[1]);
    };
    for (let i = 0; i < 40; i++) await s.client.set(`before:${i}`, "x");
    const underNo = await fsyncs();
    expect(String(await s.client.command("CONFIG", "SET", "appendfsync", "always"))).toBe("OK");
    expect(String(await s.client.command("CONFIG", "GET", "appendfsync"))).toContain("always");
    // One at a time: under `always` each acknowledged write had its own fsync.
    for (let i = 0; i < 40; i++) await s.client.set(`after:${i}`, "x");
    const underAlways = await fsyncs();
    expect(underAlways - underNo).toBeGreaterThanOrEqual(40);
    expect(String(await s.client.command("INFO", "persistence"))).toContain("tessera_fsync:always");
    await expect(s.client.command("CONFIG", "SET", "appendfsync", "sometimes")).rejects.toThrow(/must be one of the following: always, everysec, no/);
    await stopGracefully(s);
  });

  it("BGSAVE and SAVE snapshot every partition; LASTSAVE and INFO persistence follow them", async () => {
    const dir = dataDir();
    const s = await start(dir, ["--fsync", "everysec"]);
    const persistence = async (): Promise<Record<string, string>> => {
      await new Promise((r) => setTimeout(r, 1_300)); // partitions report about once a second
      const info = String(await s.client.command("INFO", "persistence"));
      return Object.fromEntries(info.split("\r\n").filter((l) => l.includes(":")).map((l) => l.split(":") as [string, string]));
    };
    const startedAt = Number(await s.client.command("LASTSAVE"));
    expect(Math.abs(startedAt - Date.now() / 1000)).toBeLessThan(120);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) writes.push(s.client.set(`save:${i}`, "x"));
    await Promise.all(writes);
    const before = await persistence();
    expect(Number(before.rdb_changes_since_last_save)).toBe(300);
    expect(before.rdb_last_bgsave_status).toBe("ok");
    await new Promise((r) => setTimeout(r, 1_000)); // so that LASTSAVE can move (seconds)
    expect(String(await s.client.command("BGSAVE"))).toBe("Background saving started");
    const snaps = (p: number) => readdirSync(join(dir, `p${p}`, "snap")).filter((n) => n.endsWith(".snap")).length;
    const deadline = Date.now() + 20_000;
    while (snaps(0) === 0 || snaps(1) === 0) {
      if (Date.now() > deadline) throw new Error("BGSAVE wrote no snapshot in 20 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    const after = await persistence();
    expect(Number(after.rdb_changes_since_last_save)).toBe(0);
    expect(after.rdb_bgsave_in_progress).toBe("0");
    expect(Number(after.rdb_last_save_time)).toBeGreaterThan(startedAt);
    expect(Number(await s.client.command("LASTSAVE"))).toBe(Number(after.rdb_last_save_time));
    await expect(s.client.command("BGSAVE", "NOW")).rejects.toThrow("ERR syntax error");
    // SAVE writes a snapshot of every partition before it replies.
    for (let i = 0; i < 50; i++) await s.client.set(`more:${i}`, "y");
    const before0 = snaps(0) + snaps(1);
    expect(String(await s.client.command("SAVE"))).toBe("OK");
    const newest = (p: number) => readdirSync(join(dir, `p${p}`, "snap")).filter((n) => n.endsWith(".snap")).sort().pop();
    expect(snaps(0) + snaps(1)).toBeGreaterThanOrEqual(before0);
    expect(newest(0)).toBeDefined();
    expect(Number((await persistence()).rdb_changes_since_last_save)).toBe(0);
    // Nothing new since: SAVE still counts as a save now, as in Redis.
    const saved = Number(await s.client.command("LASTSAVE"));
    await new Promise((r) => setTimeout(r, 1_100));
    expect(String(await s.client.command("SAVE"))).toBe("OK");
    expect(Number(await s.client.command("LASTSAVE"))).toBeGreaterThan(saved);
    await stopGracefully(s);
  });

  it("a graceful stop after a large WAL writes a snapshot, so the restart loads it instead of replaying", async () => {
    const dir = dataDir();
    let s = await start(dir, ["--fsync", "no"]);
    const value = "v".repeat(200);
    // ~40 MB of WAL over 2 partitions: past the 16 MiB per partition that makes a stop snapshot.
    for (let from = 0; from < 170_000; from += 10_000) {
      const writes: Promise<unknown>[] = [];
      for (let i = from; i < from + 10_000; i++) writes.push(s.client.set(`big:${i}`, value));
      await Promise.all(writes);
    }
    const snapsBefore = readdirSync(join(dir, "p0", "snap")).filter((n) => n.endsWith(".snap")).length;
    await stopGracefully(s);
    expect(s.server.output()).toMatch(/partition 0: snapshot at shutdown: written in \d+ ms/);
    expect(readdirSync(join(dir, "p0", "snap")).filter((n) => n.endsWith(".snap")).length).toBeGreaterThan(snapsBefore);
    s = await start(dir, ["--fsync", "no"]);
    expect(await s.client.dbsize()).toBe(170_000);
    expect(await s.client.getString("big:169999")).toBe(value);
    await stopGracefully(s);
    // Nothing was written since: this stop has no reason to snapshot again.
    expect(s.server.output()).not.toMatch(/snapshot at shutdown/);
  });

  it("a torn WAL tail after a kill is cut off, reported, and the server comes up", async () => {
    const dir = dataDir();
    let s = await start(dir, ["--fsync", "always"]);
    for (let i = 0; i < 100; i++) await s.client.set(`k${i}`, `v${i}`);
    await kill(s);
    const seg = walFiles(dir).at(-1)!;
    appendFileSync(seg, Buffer.from([0x30, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
    s = await start(dir, ["--fsync", "always"]);
    expect(await s.client.dbsize()).toBe(100);
    expect(await s.client.getString("k42")).toBe("v42");
    expect(s.server.output()).toMatch(/truncated .*11 bytes/);
    await stopGracefully(s);
  });

  it("a corrupt newest snapshot falls back to the previous one plus the WAL", async () => {
    const dir = dataDir();
    // Snapshots every ~64 KiB of WAL, so a few are taken while we write.
    let s = await start(dir, ["--fsync", "always", "--snapshot-wal-bytes", String(64 << 10)]);
    const value = "v".repeat(500);
    for (let round = 0; round < 6; round++) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => s.client.set(`r${round}:k${i}`, value)));
      await new Promise((r) => setTimeout(r, 300)); // let the maintenance timer run the snapshot slices
    }
    await kill(s);
    const snaps = readdirSync(join(dir, "p0", "snap")).filter((n) => n.endsWith(".snap")).sort();
    expect(snaps.length).toBe(2);
    const newest = join(dir, "p0", "snap", snaps[1]!);
    const buf = readFileSync(newest);
    buf[Math.floor(buf.length / 2)]! ^= 0x04;
    writeFileSync(newest, buf);
    s = await start(dir, ["--fsync", "always", "--snapshot-wal-bytes", String(64 << 10)]);
    expect(await s.client.dbsize()).toBe(1200);
    expect(s.server.output()).toMatch(/corrupt snapshot/);
    expect(existsSync(`${newest}.corrupt`)).toBe(true);
    await stopGracefully(s);
  });

  it("refuses to start with a different --partitions, naming both counts and what to do", async () => {
    const dir = dataDir();
    const s = await start(dir);
    await s.client.set("a", "1");
    await stopGracefully(s);
    const other = spawnServer(dir, await freePort(), ["--partitions", "3"]);
    const code = await other.exited;
    expect(code).not.toBe(0);
    expect(other.output()).toMatch(/--partitions 2/);
    expect(other.output()).toMatch(/--partitions 3/);
    expect(other.output()).toMatch(/start with --partitions 2/);
  });
});
