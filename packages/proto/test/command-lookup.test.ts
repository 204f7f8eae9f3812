import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMANDS, findCommand } from "../src/index.js";

describe("findCommand", () => {
  it("finds every command by its bytes in any ASCII case, inside a larger buffer", () => {
    for (const spec of COMMANDS) {
      for (const name of [spec.name, spec.name.toLowerCase(), spec.name[0] + spec.name.slice(1).toLowerCase()]) {
        const buf = Buffer.from(`xx${name}yy`, "latin1");
        expect(findCommand(buf, 2, name.length)).toBe(spec);
        expect(findCommand(Buffer.from(name, "latin1"))).toBe(spec);
      }
    }
  });

  it("finds nothing for names not in the table", () => {
    const names = new Set(COMMANDS.map((c) => c.name));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const upper = Buffer.from(bytes).toString("latin1").toUpperCase();
        const expected = /^[A-Z]+$/.test(upper) && names.has(upper);
        expect(findCommand(bytes) !== undefined).toBe(expected);
      }),
      { numRuns: 2000 },
    );
    expect(findCommand(Buffer.from("GE"))).toBeUndefined();
    expect(findCommand(Buffer.from("GETT"))).toBeUndefined();
    expect(findCommand(Buffer.from("G\u00c5T", "latin1"))).toBeUndefined();
    expect(findCommand(new Uint8Array(0))).toBeUndefined();
  });
});
