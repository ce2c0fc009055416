// The sync status in words, for the status bar: pure, so it is unit tested.
import type { SyncStatus } from "./api";
import { when } from "./format";

export type SyncTone = "off" | "ok" | "waiting" | "offline" | "refused";

export function syncLine(status: SyncStatus, now: Date = new Date()): { text: string; tone: SyncTone } {
  if (!status.enrolled) return { text: "This counter works alone (not in a Dixon cloud shop)", tone: "off" };
  const waiting = `${status.waiting} change${status.waiting === 1 ? "" : "s"} waiting`;
  const parts: string[] = [];
  let tone: SyncTone = "ok";
  if (status.offline_since) {
    parts.push(`Offline since ${when(status.offline_since, now)}`, waiting);
    tone = "offline";
  } else if (status.waiting > 0) {
    parts.push(waiting);
    tone = "waiting";
  } else {
    parts.push(status.last_sync_at ? `Synced ${when(status.last_sync_at, now)}` : "Synced");
  }
  const refused = status.refused[0];
  if (refused) {
    parts.push(`refused: ${refused.reason}`);
    tone = "refused";
  }
  return { text: `${status.device_name ?? "This counter"} · ${parts.join(" · ")}`, tone };
}
