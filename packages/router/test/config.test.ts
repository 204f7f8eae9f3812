import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, defaultConfig, exposureWarning, parseByteSize, parseServeArgs, usage } from "../src/config.js";

const parse = (args: string[]) => {
  const r = parseServeArgs(args);
  if (r.help) throw new Error("unexpected help");
  return r.config;
};

describe("config", () => {
  it("has the documented defaults", () => {
    const d = defaultConfig();
    expect(d).toMatchObject({ host: "127.0.0.1", port: 7379, respPort: 7380, dataDir: "./data", maxClients: 10000, maxMemoryBytes: 0, maxValueBytes: 64 * 1024 * 1024, fsync: "everysec" });
    expect(d.partitions).toBeGreaterThanOrEqual(1);
    expect(parse([])).toEqual(d);
  });

  it("parses every flag, with --x=v and --x v forms", () => {
    const c = parse(["--host", "0.0.0.0", "--port=0", "--resp-port", "0", "--data-dir", "/tmp/x", "--partitions", "3", "--maxmemory", "2gb", "--max-value-bytes", "1mb", "--maxclients", "5", "--fsync", "always", "--max-inflight", "7", "--client-output-buffer-limit", "0", "--enable-debug-commands"]);
    expect(c).toMatchObject({ host: "0.0.0.0", port: 0, respPort: 0, dataDir: "/tmp/x", partitions: 3, maxMemoryBytes: 2 * 1024 ** 3, maxValueBytes: 1024 ** 2, maxClients: 5, fsync: "always", maxInflightPerConnection: 7, clientOutputBufferLimitBytes: 0, enableDebugCommands: true });
  });

  it("parses the slowlog settings: -1 (off) to 2^31-1 microseconds, a length from 0", () => {
    expect(defaultConfig()).toMatchObject({ slowlogLogSlowerThanUs: 10_000, slowlogMaxLen: 128 });
    expect(parse(["--slowlog-log-slower-than", "-1", "--slowlog-max-len", "0"])).toMatchObject({ slowlogLogSlowerThanUs: -1, slowlogMaxLen: 0 });
    expect(parse(["--slowlog-log-slower-than=0"])).toMatchObject({ slowlogLogSlowerThanUs: 0 });
    expect(() => parse(["--slowlog-log-slower-than", "-2"])).toThrow(/microseconds \(-1 = off\)/);
    expect(() => parse(["--slowlog-log-slower-than", "1.5"])).toThrow(ConfigError);
    expect(() => parse(["--slowlog-max-len", "-1"])).toThrow(/non-negative integer/);
    const dir = mkdtempSync(join(tmpdir(), "tessera-config-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ "slowlog-log-slower-than": 500, slowlogMaxLen: 16 }));
    expect(parse(["--config", file])).toMatchObject({ slowlogLogSlowerThanUs: 500, slowlogMaxLen: 16 });
  });

  it("parses sizes with Redis's units", () => {
    expect(parseByteSize("1024")).toBe(1024);
    expect(parseByteSize("1k")).toBe(1000);
    expect(parseByteSize("1kb")).toBe(1024);
    expect(parseByteSize("512mb")).toBe(512 * 1024 * 1024);
    expect(parseByteSize("2GB")).toBe(2 * 1024 ** 3);
    expect(parseByteSize("1.5gb")).toBeNull();
    expect(parseByteSize("lots")).toBeNull();
  });

  it("reads a JSON config file and lets flags override it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-config-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ port: 9000, "resp-port": 9001, maxmemory: "512mb", partitions: 2, fsync: "no" }));
    const c = parse(["--config", file, "--port", "9100"]);
    expect(c).toMatchObject({ port: 9100, respPort: 9001, maxMemoryBytes: 512 * 1024 * 1024, partitions: 2, fsync: "no" });
  });

  it("rejects unknown flags, missing values, bad values and unknown file keys", () => {
    expect(() => parse(["--nope"])).toThrow(/unknown flag '--nope'/);
    expect(() => parse(["--port"])).toThrow(/needs a value/);
    expect(() => parse(["--port", "70000"])).toThrow(ConfigError);
    expect(() => parse(["--partitions", "0"])).toThrow(/at least 1/);
    expect(() => parse(["--fsync", "sometimes"])).toThrow(/always, everysec or no/);
    expect(() => parse(["--maxmemory", "lots"])).toThrow(/size in bytes/);
    expect(() => parse(["stray"])).toThrow(/unexpected argument/);
    expect(() => parse(["--port", "7000", "--resp-port", "7000"])).toThrow(/must differ/);
    expect(() => parse(["--resp-port", "7000", "--admin-port", "7000"])).toThrow(/--admin-port must differ/);
    expect(parse(["--admin-port", "0", "--admin-token", "t"])).toMatchObject({ adminPort: 0, adminToken: "t" });
    const dir = mkdtempSync(join(tmpdir(), "tessera-config-"));
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ colour: "blue" }));
    expect(() => parse(["--config", join(dir, "bad.json")])).toThrow(/unknown key 'colour'/);
    writeFileSync(join(dir, "broken.json"), "{");
    expect(() => parse(["--config", join(dir, "broken.json")])).toThrow(ConfigError);
  });

  it("reads requirepass from a flag or the file, allows \"\" (no password) and never echoes it", () => {
    expect(defaultConfig().requirepass).toBe("");
    expect(parse(["--requirepass", "s3 cr=et"]).requirepass).toBe("s3 cr=et");
    expect(parse(["--requirepass=a=b"]).requirepass).toBe("a=b");
    expect(parse(["--requirepass", ""]).requirepass).toBe("");
    const dir = mkdtempSync(join(tmpdir(), "tessera-config-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ requirepass: "from-file" }));
    expect(parse(["--config", file]).requirepass).toBe("from-file");
    expect(parse(["--config", file, "--requirepass", "flag-wins"]).requirepass).toBe("flag-wins");
    writeFileSync(file, JSON.stringify({ requirepass: 12345 }));
    expect(() => parse(["--config", file])).toThrow(/requirepass: expects a string/);
    expect(() => parse(["--requirepass"])).toThrow(/needs a value \(PASSWORD\)/);
    expect(usage()).toContain("--requirepass PASSWORD");
    expect(usage()).toMatch(/--requirepass PASSWORD .*\(default: none\)/);
    expect(usage()).toMatch(/Set a\s+password before binding to another interface/);
  });

  it("warns when listening beyond loopback without a password, and only then", () => {
    const d = defaultConfig();
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "::ffff:127.0.0.1"]) expect(exposureWarning({ ...d, host }), host).toBeNull();
    expect(exposureWarning({ ...d, host: "0.0.0.0" })).toMatch(/WARNING: listening on 0\.0\.0\.0 without a password/);
    expect(exposureWarning({ ...d, host: "10.0.0.5" })).toMatch(/requirepass/);
    expect(exposureWarning({ ...d, host: "0.0.0.0", requirepass: "pw" })).toBeNull();
  });

  it("keeps the frame limit above the value limit unless set explicitly", () => {
    expect(parse(["--max-value-bytes", "256mb"]).maxFrameBytes).toBe(257 * 1024 * 1024);
    expect(parse(["--max-value-bytes", "256mb", "--max-frame-bytes", "4096"]).maxFrameBytes).toBe(4096);
  });

  it("--help is recognised and the usage lists every flag with its default", () => {
    expect(parseServeArgs(["--port", "1", "--help"])).toEqual({ help: true });
    const text = usage();
    for (const flag of ["--host", "--port", "--resp-port", "--data-dir", "--partitions", "--config", "--maxmemory", "--max-value-bytes", "--maxclients", "--fsync", "--enable-debug-commands"]) {
      expect(text).toContain(flag);
    }
    expect(text).toContain("(default: 7379)");
    expect(text).toContain("(default: 64mb)");
  });
});
