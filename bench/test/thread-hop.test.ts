import { describe, expect, it } from "vitest";
import { describeThreadHop, measureThreadHop } from "../_thread-hop.js";

describe("measureThreadHop", () => {
  it("ping-pongs with a worker thread and reports rates and CPU (no timing asserted)", async () => {
    const hop = await measureThreadHop(200);
    expect(hop.roundTrips).toBe(200);
    expect(hop.roundTripsPerSec).toBeGreaterThan(0);
    expect(hop.cpuUsPerRoundTrip).toBeGreaterThanOrEqual(0);
    expect(hop.cpuUsPerRoundTrip).toBeCloseTo(hop.userUsPerRoundTrip + hop.systemUsPerRoundTrip, 0);
    expect(describeThreadHop(hop)).toMatch(/round trips\/s, [\d.]+ µs of CPU each/);
  });
});
