// Pure helpers of the Diagnostics screen (unit-tested in obdFormat.test.ts).
import type { ConnectStep, Readiness } from "../api";

/** The gauges the dashboard can show, with the range each dial spans. */
export const GAUGES: { pid: number; label: string; min: number; max: number }[] = [
  { pid: 0x0c, label: "Engine speed", min: 0, max: 8000 },
  { pid: 0x0d, label: "Speed", min: 0, max: 200 },
  { pid: 0x05, label: "Coolant", min: -40, max: 130 },
  { pid: 0x04, label: "Engine load", min: 0, max: 100 },
  { pid: 0x11, label: "Throttle", min: 0, max: 100 },
  { pid: 0x0f, label: "Intake air", min: -40, max: 80 },
];

/** Where `value` sits between `min` and `max`, kept within the dial. */
export function gaugeFraction(value: number | null, min: number, max: number): number {
  if (value === null || !Number.isFinite(value) || max <= min) return 0;
  return Math.min(1, Math.max(0, (value - min) / (max - min)));
}

/** The connect progress in words, never a spinner alone. */
export function stepText(step: ConnectStep): string {
  switch (step.step) {
    case "opening":
      return `Opening ${step.adapter}…`;
    case "resetting":
      return "Resetting the adapter…";
    case "identified":
      return `Found ${step.chip}${typeof step.battery_volts === "number" ? `, battery ${step.battery_volts.toFixed(1)} V` : ""}. Talking to the car…`;
    case "searching_protocol":
      return "Finding the car's protocol (up to 15 s on older cars; ignition on)…";
    case "connected":
      return `Connected: ${step.protocol}.`;
  }
}

/** "All 5 monitors complete" or "2 of 6 not complete: Catalyst, EVAP". */
export function readinessSummary(r: Readiness): string {
  const available = r.monitors.filter((m) => m.available);
  const incomplete = available.filter((m) => !m.complete);
  if (!available.length) return "no monitors reported";
  if (!incomplete.length) return `All ${available.length} monitors complete`;
  return `${incomplete.length} of ${available.length} not complete: ${incomplete.map((m) => m.name).join(", ")}`;
}

/** A value as the dashboard prints it: whole above 100, one decimal below; "—" for none. */
export function shown(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "—";
  return String(Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10) / 10);
}

/** An SVG path of one series over the last `span` seconds, scaled to [min, max]. */
export function chartPath(points: { t: number; v: number }[], now: number, span: number, min: number, max: number, width: number, height: number): string {
  const visible = points.filter((p) => p.t >= now - span);
  if (visible.length < 2) return "";
  return visible
    .map((p, i) => {
      const x = ((p.t - (now - span)) / span) * width;
      const y = height - gaugeFraction(p.v, min, max) * (height - 4) - 2;
      return `${i ? "L" : "M"} ${x.toFixed(1)} ${y.toFixed(1)}`;
    })
    .join(" ");
}
