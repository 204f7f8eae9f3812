import { describe, expect, it } from "vitest";
import { readyLine } from "../src/cli/serve.js";

describe("tessera serve ready line", () => {
  it("names both ports, the partitions and the data dir in stable key=value words", () => {
    const line = readyLine("127.0.0.1", 7379, 7380, 4, "./data");
    expect(line).toMatch(/^tessera ready native=127\.0\.0\.1:7379 resp=127\.0\.0\.1:7380 partitions=4 data=\.\/data pid=\d+$/);
    expect(readyLine("127.0.0.1", 1, 0, 1, "")).toContain("resp=off partitions=1 data=(in-memory)");
  });
});
