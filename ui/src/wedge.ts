// Keyboard-wedge barcode guns type like a keyboard, only faster and always ending with Enter
// (or Tab). This tells a scan from a person typing by the rhythm of the keys, so a scan lands
// where it belongs even when a text field has focus. Pure logic: fed key names and times.

export interface WedgeOptions {
  /** Most milliseconds between two keys of a scan, on average (guns: 1–15 ms; people: 60+). */
  maxAverageGapMs: number;
  /** Most milliseconds between any two keys of a scan (a gun never pauses like a person). */
  maxGapMs: number;
  /** Fewest characters a scan has (a UPC-E is 8, a VIN 17); shorter bursts are typing. */
  minLength: number;
  /** Keys that end a scan. */
  terminators: string[];
}

export const DEFAULT_WEDGE: WedgeOptions = { maxAverageGapMs: 30, maxGapMs: 60, minLength: 6, terminators: ["Enter", "Tab"] };

export type WedgeResult =
  /** A scan ended with this key; `text` has any AIM symbology prefix (`]A0`) removed, `raw`
   * is every character the gun typed. */
  | { kind: "scan"; text: string; raw: string; symbology: string | null }
  /** Keys that may still turn out to be a scan. */
  | { kind: "pending" }
  /** A person typing: leave the key alone. */
  | { kind: "typing" };

export class WedgeDetector {
  private chars: string[] = [];
  private times: number[] = [];

  constructor(private readonly options: WedgeOptions = DEFAULT_WEDGE) {}

  /** Feeds one key (`KeyboardEvent.key`) pressed at `at` milliseconds. */
  feed(key: string, at: number): WedgeResult {
    if (this.options.terminators.includes(key)) {
      const result = this.judge(at);
      this.reset();
      return result;
    }
    if (key.length !== 1) {
      this.reset(); // arrows, Backspace, F-keys: a person at work
      return { kind: "typing" };
    }
    const last = this.times[this.times.length - 1];
    if (last !== undefined && at - last > this.options.maxGapMs) this.reset();
    this.chars.push(key);
    this.times.push(at);
    return this.chars.length === 1 ? { kind: "typing" } : this.looksFast() ? { kind: "pending" } : { kind: "typing" };
  }

  /** How many of the last keys belong to the scan in progress (to take them back out of a field). */
  get length(): number {
    return this.chars.length;
  }

  private judge(at: number): WedgeResult {
    const last = this.times[this.times.length - 1];
    const terminatorGap = last === undefined ? Infinity : at - last;
    if (this.chars.length < this.options.minLength || !this.looksFast() || terminatorGap > this.options.maxGapMs) {
      return { kind: "typing" };
    }
    const raw = this.chars.join("");
    const aim = /^\][A-Za-z][0-9A-Za-z]/.exec(raw);
    return { kind: "scan", text: aim ? raw.slice(3) : raw, raw, symbology: aim ? aim[0] : null };
  }

  private looksFast(): boolean {
    if (this.times.length < 2) return false;
    let total = 0;
    for (let i = 1; i < this.times.length; i++) {
      const gap = this.times[i] - this.times[i - 1];
      if (gap > this.options.maxGapMs) return false;
      total += gap;
    }
    return total / (this.times.length - 1) <= this.options.maxAverageGapMs;
  }

  private reset(): void {
    this.chars = [];
    this.times = [];
  }
}

/** This PC's thresholds (each counter has its own gun), or the defaults. */
export function loadWedgeOptions(): WedgeOptions {
  try {
    return { ...DEFAULT_WEDGE, ...JSON.parse(localStorage.getItem("wedge") ?? "{}") };
  } catch {
    return DEFAULT_WEDGE;
  }
}

/** Saves this PC's thresholds; the shell picks them up at once (the `wedge-options` event). */
export function saveWedgeOptions(options: Partial<WedgeOptions>): void {
  localStorage.setItem("wedge", JSON.stringify({ ...loadWedgeOptions(), ...options }));
  window.dispatchEvent(new Event("wedge-options"));
}
