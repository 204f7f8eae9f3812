/**
 * Invariants of the command table (the single source of truth for routing, dispatch and the
 * README) and of the reference generated from it.
 */
import { describe, expect, it } from "vitest";
import {
  COMMANDS,
  CommandFlag,
  REFERENCE_END_MARKER,
  REFERENCE_START_MARKER,
  arityOk,
  commandByName,
  findCommand,
  keyPositions,
  renderCommandReference,
  replaceCommandReference,
} from "../src/index.js";

describe("command table", () => {
  it("has unique upper-case names and dense ids", () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    COMMANDS.forEach((c, i) => {
      expect(c.id, c.name).toBe(i);
      expect(c.name, c.name).toMatch(/^[A-Z][A-Z0-9]*$/);
      expect(commandByName(c.name.toLowerCase())).toBe(c);
      expect(findCommand(Buffer.from(c.name))).toBe(c);
    });
  });

  it("documents every command: syntax starting with its name, a one-line summary", () => {
    for (const c of COMMANDS) {
      expect(c.syntax.split(" ")[0], c.name).toBe(c.name);
      expect(c.syntax, c.name).not.toMatch(/[\r\n]/);
      expect(c.summary.length, c.name).toBeGreaterThan(5);
      expect(c.summary, c.name).not.toMatch(/[\r\n]/);
      expect(c.summary, c.name).toMatch(/[.)]$/);
    }
  });

  it("has key specs consistent with arity", () => {
    for (const c of COMMANDS) {
      expect(c.arity, c.name).not.toBe(0);
      const minArgc = Math.abs(c.arity);
      if (c.firstKey === 0) {
        expect([c.lastKey, c.keyStep], c.name).toEqual([0, 0]);
        continue;
      }
      expect(c.firstKey, c.name).toBeGreaterThanOrEqual(1);
      expect(c.keyStep, c.name).toBeGreaterThanOrEqual(1);
      // The first key is always present when the arity is satisfied, but in a command whose
      // subcommand decides (MEMORY HELP has no key, MEMORY USAGE key has).
      const optionalKey = (c.flags & CommandFlag.SUBCOMMAND_KEY) !== 0;
      if (optionalKey) {
        expect([c.firstKey, c.lastKey, c.keyStep, c.route], c.name).toEqual([2, 2, 1, "single"]);
        continue;
      }
      expect(c.firstKey, c.name).toBeLessThan(minArgc);
      if (c.lastKey >= 0) {
        expect(c.lastKey, c.name).toBeGreaterThanOrEqual(c.firstKey);
        expect(c.lastKey, c.name).toBeLessThan(minArgc);
        expect((c.lastKey - c.firstKey) % c.keyStep, c.name).toBe(0);
      } else {
        // "Through the last argument" only makes sense for a variable arity.
        expect(c.arity, c.name).toBeLessThan(0);
        expect(c.lastKey, c.name).toBe(-1);
      }
      // For every argc the arity allows (up to a few extra), key positions are inside argv.
      for (let argc = minArgc; argc < minArgc + 6; argc++) {
        if (!arityOk(c, argc)) continue;
        const positions = keyPositions(c, argc);
        expect(positions.length, c.name).toBeGreaterThan(0);
        for (const p of positions) expect(p, c.name).toBeLessThan(argc);
      }
    }
  });

  it("routes consistently with keys and flags", () => {
    for (const c of COMMANDS) {
      const connection = (c.flags & CommandFlag.CONNECTION) !== 0;
      const multiKey = (c.flags & CommandFlag.MULTI_KEY) !== 0;
      expect(c.route === "router", c.name).toBe(connection);
      expect(c.route === "multi", c.name).toBe(multiKey);
      if (c.route === "single" || c.route === "multi") expect(c.firstKey, c.name).toBeGreaterThan(0);
      // WATCH is the one router command with keys: the router sends them to their partition itself.
      if ((c.route === "router" && c.name !== "WATCH") || c.route === "all") expect(c.firstKey, c.name).toBe(0);
      expect(c.merge === "none", c.name).toBe(c.route === "single" || c.route === "router");
      expect((c.flags & CommandFlag.READ) !== 0 && (c.flags & CommandFlag.WRITE) !== 0, `${c.name} is both read and write`).toBe(false);
    }
  });
});

describe("command reference", () => {
  it("lists every command once, grouped, with three cells per row", () => {
    const md = renderCommandReference();
    const rows = md.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows).toHaveLength(COMMANDS.length);
    for (const c of COMMANDS) expect(rows.filter((r) => r.startsWith(`| \`${c.name}`) && (r[c.name.length + 3] === " " || r[c.name.length + 3] === "`"))).toHaveLength(1);
    for (const row of rows) {
      // Cells split on unescaped pipes: leading/trailing empties plus exactly three cells.
      expect(row.split(/(?<!\\)\|/).length, row).toBe(5);
    }
    expect(md).toMatch(/^### Strings$/m);
    expect(md).toMatch(/\| `SET key value \[EX seconds \\\| PX/);
  });

  it("replaces only the text between the markers, idempotently", () => {
    const doc = `# Title\n\nintro\n\n${REFERENCE_START_MARKER}\nold table\n${REFERENCE_END_MARKER}\n\nafter\n`;
    const ref = renderCommandReference();
    const once = replaceCommandReference(doc, ref);
    expect(once.startsWith(`# Title\n\nintro\n\n${REFERENCE_START_MARKER}\n`)).toBe(true);
    expect(once.endsWith(`${REFERENCE_END_MARKER}\n\nafter\n`)).toBe(true);
    expect(once).toContain(ref);
    expect(once).not.toContain("old table");
    expect(replaceCommandReference(once, ref)).toBe(once);
  });

  it("refuses documents without exactly one pair of markers in order", () => {
    expect(() => replaceCommandReference("no markers", "x")).toThrow(/not found/);
    expect(() => replaceCommandReference(`${REFERENCE_END_MARKER}${REFERENCE_START_MARKER}`, "x")).toThrow(/before/);
    expect(() => replaceCommandReference(`${REFERENCE_START_MARKER}${REFERENCE_END_MARKER}${REFERENCE_START_MARKER}`, "x")).toThrow(/more than once/);
  });
});
