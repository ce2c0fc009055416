import { describe, expect, it } from "vitest";
import type { SyncStatus } from "./api";
import { syncLine } from "./syncFormat";

const base: SyncStatus = {
  enrolled: true,
  cloud_url: "https://cloud.example",
  shop_id: "s",
  device_name: "Front counter",
  waiting: 0,
  refused: [],
  cursor: 12,
  applied_from_others: 3,
  last_sync_at: null,
  offline_since: null,
  last_error: null,
};

describe("syncLine", () => {
  it("says synced, waiting, offline since when, and what was refused", () => {
    const now = new Date("2026-12-03T18:00:00Z");
    expect(syncLine({ ...base, enrolled: false }, now).tone).toBe("off");
    expect(syncLine(base, now)).toEqual({ text: "Front counter · Synced", tone: "ok" });
    expect(syncLine({ ...base, waiting: 1 }, now)).toEqual({ text: "Front counter · 1 change waiting", tone: "waiting" });
    const offline = syncLine({ ...base, waiting: 3, offline_since: "2026-12-03T17:42:00Z" }, now);
    expect(offline.tone).toBe("offline");
    expect(offline.text).toMatch(/Offline since .*:42.* · 3 changes waiting/);
    const refused = syncLine({ ...base, refused: [{ topic: "repair_order.status", entity_uid: "x", reason: "repair order 1001 is paid" }] }, now);
    expect(refused).toEqual({ text: "Front counter · Synced · refused: repair order 1001 is paid", tone: "refused" });
  });
});
