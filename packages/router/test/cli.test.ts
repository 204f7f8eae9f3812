import { describe, expect, it } from "vitest";
import { readyLine } from "../src/cli/serve.js";

describe("tessera serve ready line", () => {
  it("names the ports, the partitions and the data dir in stable key=value words", () => {
    const line = readyLine("127.0.0.1", 7379, 7380, 4, "./data", 7381);
    expect(line).toMatch(/^tessera ready native=127\.0\.0\.1:7379 resp=127\.0\.0\.1:7380 partitions=4 data=\.\/data admin=127\.0\.0\.1:7381 pid=\d+$/);
    expect(readyLine("127.0.0.1", 1, 0, 1, "")).toContain("resp=off partitions=1 data=(in-memory) admin=off");
  });
});
