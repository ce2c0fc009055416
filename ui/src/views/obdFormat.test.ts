import { describe, expect, it } from "vitest";
import { chartPath, gaugeFraction, readinessSummary, stepText } from "./obdFormat";

describe("the diagnostics screen's words and drawings", () => {
  it("keeps gauge needles on the dial", () => {
    expect(gaugeFraction(4000, 0, 8000)).toBe(0.5);
    expect(gaugeFraction(-60, -40, 130)).toBe(0);
    expect(gaugeFraction(9999, 0, 8000)).toBe(1);
    expect(gaugeFraction(Number.NaN, 0, 100)).toBe(0);
  });

  it("says how far connecting got", () => {
    expect(stepText({ step: "identified", chip: "ELM327 v1.5", battery_volts: 12.62 })).toBe("Found ELM327 v1.5, battery 12.6 V. Talking to the car…");
    expect(stepText({ step: "searching_protocol" })).toContain("ignition on");
  });

  it("names the monitors that are not complete", () => {
    const monitor = (name: string, available: boolean, complete: boolean) => ({ name, available, complete });
    const r = { mil_on: true, dtc_count: 2, compression_ignition: false, monitors: [monitor("Misfire", true, true), monitor("Catalyst", true, false), monitor("Heater", false, false)] };
    expect(readinessSummary(r)).toBe("1 of 2 not complete: Catalyst");
    expect(readinessSummary({ ...r, monitors: [monitor("Misfire", true, true)] })).toBe("All 1 monitors complete");
  });

  it("draws only the last seconds, newest on the right", () => {
    const d = chartPath([{ t: 0, v: 0 }, { t: 25, v: 50 }, { t: 30, v: 100 }], 30, 10, 0, 100, 100, 50);
    expect(d).toBe("M 50.0 25.0 L 100.0 2.0"); // half way up at t=25, the top at t=30
    expect(chartPath([{ t: 1, v: 1 }], 1, 10, 0, 1, 10, 10)).toBe("");
  });
});
