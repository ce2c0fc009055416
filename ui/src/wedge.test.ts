import { describe, expect, it } from "vitest";
import { DEFAULT_WEDGE, WedgeDetector, type WedgeResult } from "./wedge";

/** Types `text` then `end`, `gaps` ms apart (a function of the key's index for jitter). */
function type(detector: WedgeDetector, text: string, gap: (i: number) => number, end = "Enter", start = 1000): WedgeResult {
  let at = start;
  for (const [i, ch] of [...text].entries()) {
    at += i === 0 ? 0 : gap(i);
    detector.feed(ch, at);
  }
  return detector.feed(end, at + gap(text.length));
}

describe("keyboard-wedge scans", () => {
  it("a gun's burst is a scan, with Enter or Tab, AIM prefix removed", () => {
    expect(type(new WedgeDetector(), "1HGCM82633A004352", () => 4)).toEqual({ kind: "scan", text: "1HGCM82633A004352", raw: "1HGCM82633A004352", symbology: null });
    expect(type(new WedgeDetector(), "036000291452", () => 9, "Tab")).toMatchObject({ kind: "scan", text: "036000291452" });
    expect(type(new WedgeDetector(), "]E0036000291452", () => 2)).toEqual({ kind: "scan", text: "036000291452", raw: "]E0036000291452", symbology: "]E0" });
  });

  it("a fast typist is typing, even in short bursts", () => {
    // 90 words a minute is about 110 ms a key, with rolled pairs as quick as 35 ms
    const typist = (i: number) => (i % 3 === 0 ? 35 : 110);
    expect(type(new WedgeDetector(), "front brake pads", typist).kind).toBe("typing");
    expect(type(new WedgeDetector(), "Pat Lee", () => 70).kind).toBe("typing");
  });

  it("a slow typist is typing; after a pause only the fast burst is the scan", () => {
    expect(type(new WedgeDetector(), "1HGCM82633A004352", () => 250).kind).toBe("typing");
    const pause = (i: number) => (i === 8 ? 400 : 5);
    expect(type(new WedgeDetector(), "1HGCM82633A004352", pause)).toMatchObject({ kind: "scan", text: "33A004352" });
    const pauseBeforeEnter = (i: number) => (i === 17 ? 300 : 5);
    expect(type(new WedgeDetector(), "1HGCM82633A004352", pauseBeforeEnter).kind, "a person pressed Enter").toBe("typing");
  });

  it("too short a burst is not a scan, and other keys reset it", () => {
    expect(type(new WedgeDetector(), "12345", () => 3).kind).toBe("typing");
    const detector = new WedgeDetector();
    detector.feed("A", 0);
    detector.feed("B", 3);
    expect(detector.feed("Backspace", 6).kind).toBe("typing");
    expect(detector.length).toBe(0);
  });

  it("the next scan starts fresh after a scan and after typing", () => {
    const detector = new WedgeDetector();
    expect(type(detector, "hello", () => 120).kind).toBe("typing");
    expect(type(detector, "BP-123456", () => 5, "Enter", 5000)).toMatchObject({ kind: "scan", text: "BP-123456" });
    expect(type(detector, "R500-ABCD", () => 5, "Enter", 9000)).toMatchObject({ kind: "scan", text: "R500-ABCD" });
  });

  it("thresholds are configurable", () => {
    const strict = new WedgeDetector({ ...DEFAULT_WEDGE, maxAverageGapMs: 5, maxGapMs: 8 });
    expect(type(strict, "036000291452", () => 9).kind).toBe("typing");
  });
});
