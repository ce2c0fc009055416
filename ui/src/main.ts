// Dixon Counter's web UI: the counter list, a new repair order, one repair order, diagnostics,
// integrations and settings.
// Keyboard first: every primary action has a key shown on its button.
import { api, describe, type ScanMeaning, type ShopSettings, type SyncStatus } from "./api";
import type { ScanSource } from "./bindings";
import { syncLine } from "./syncFormat";
import { when } from "./format";
import { h, mount } from "./dom";
import { counterView } from "./views/counter";
import { diagnosticsView } from "./views/diagnostics";
import { integrationsView } from "./views/integrations";
import { newRepairOrderView } from "./views/newRepairOrder";
import { repairOrderView } from "./views/repairOrder";
import { settingsView } from "./views/settings";
import { loadWedgeOptions, WedgeDetector } from "./wedge";

export type Route =
  | { screen: "counter" }
  | { screen: "new" }
  | { screen: "repairOrder"; number: number }
  | { screen: "settings" }
  | { screen: "integrations" }
  | { screen: "diagnostics"; number: number | null };

/** What every screen gets: a way to move, and the shop's profile. */
export interface Shell {
  go(route: Route): void;
  /** This is the demo shop (made-up data, kept apart from the shop's). */
  demo: boolean;
  shop: ShopSettings | null;
  setShop(shop: ShopSettings): void;
  toast(message: string): void;
  /** Lets the screen on show take scans; return false to leave one to the shell's default. */
  onScan(handler: (meaning: ScanMeaning, text: string) => boolean): void;
  /** Routes a scan (from the gun or the camera; `confidence` for text read by OCR) as if the
   * screen had received it. */
  scanned(text: string, source: ScanSource, confidence?: number | null): Promise<void>;
  /** Lets the screen on show reload when another counter's changes arrive. */
  onSharedChange(handler: () => void): void;
}

const root = document.getElementById("app")!;
const main = h("main", { id: "screen" });
const shopName = h("span", { class: "shop-name" });
const toastBox = h("div", { class: "toast", role: "status", hidden: true });
let current: Route = { screen: "counter" };
// Screens register a key handler while they are shown; the shell handles the global keys.
let screenKeys: ((e: KeyboardEvent) => boolean) | null = null;
let screenScan: ((meaning: ScanMeaning, text: string) => boolean) | null = null;
let screenReload: (() => void) | null = null;
// Always visible: where this counter stands with the shop's other counters.
const syncBar = h("button", { class: "syncbar sync-off", id: "sync-status", role: "status", title: "Settings → Dixon cloud (F9)" });
let lastFromOthers: number | null = null;

const shell: Shell = {
  shop: null,
  demo: false,
  go(route) {
    current = route;
    render();
  },
  setShop(shop) {
    shell.shop = shop;
    shopName.textContent = shop.name || "Set up your shop in Settings";
  },
  toast(message) {
    toastBox.textContent = message;
    toastBox.hidden = false;
    window.setTimeout(() => (toastBox.hidden = true), 3500);
  },
  onScan(handler) {
    screenScan = handler;
  },
  scanned: (text, source, confidence) => routeScan(text, source, confidence ?? null),
  onSharedChange(handler) {
    screenReload = handler;
  },
};

/** Shows the sync status; when changes from the cloud were applied, the screen reloads. */
function showSync(status: SyncStatus): void {
  const line = syncLine(status);
  syncBar.className = `syncbar sync-${line.tone}`;
  syncBar.textContent = line.text;
  if (lastFromOthers !== null && status.applied_from_others !== lastFromOthers) screenReload?.();
  lastFromOthers = status.applied_from_others;
}

// The keyboard-wedge gun detector, on this PC's thresholds (Settings → This PC).
let wedge = new WedgeDetector(loadWedgeOptions());
window.addEventListener("wedge-options", () => (wedge = new WedgeDetector(loadWedgeOptions())));

/** What a scan nobody on screen took means, in words. */
function describeScan(meaning: ScanMeaning): string {
  switch (meaning.kind) {
    case "vin":
      return `Scanned VIN ${meaning.vin}. Open a new repair order (F2) to use it.`;
    case "bad_vin":
      return `That VIN label did not read right: ${meaning.problem}`;
    case "product_code":
      return `Scanned product code ${meaning.code}. Open a repair order to add the part.`;
    case "bad_product_code":
      return `The barcode ${meaning.code} misread (its check digit is wrong); scan it again.`;
    case "part_number":
      return `Scanned part number ${meaning.part_number}. Open a repair order to add the part.`;
    case "bad_pairing":
      return `That pairing code can't be used: ${meaning.problem}`;
    case "pairing":
      return `Scanned the pairing code of dongle "${meaning.pairing.id}".`;
    case "unknown":
      return `Scanned "${meaning.text}" — not a VIN, barcode or part number. It is kept in the scan log.`;
  }
}

/** A gun's scan, told from typing, is taken back out of the field it was typed into. */
function takeBack(raw: string, target: EventTarget | null): void {
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) {
    const at = target.value.lastIndexOf(raw);
    if (at >= 0) {
      target.value = target.value.slice(0, at) + target.value.slice(at + raw.length);
      target.dispatchEvent(new Event("input"));
    }
  }
}

/** Every scan, from the gun or the camera: logged, then given to the screen, else explained. */
async function routeScan(text: string, source: ScanSource, confidence: number | null = null): Promise<void> {
  try {
    const number = current.screen === "repairOrder" ? current.number : null;
    const meaning = await api.classifyScan(text, source, number, confidence);
    if (screenScan?.(meaning, text)) return;
    if (meaning.kind === "pairing") {
      // a dongle's pairing code is remembered wherever it is scanned
      const { dongle, key_problem } = await api.rememberDongle(meaning.pairing);
      const key = key_problem ? ` Its key was not kept: ${key_problem}` : "";
      shell.toast(`Dongle "${dongle.id}" remembered for the OBD screen.${key}`);
      return;
    }
    shell.toast(describeScan(meaning));
  } catch (e) {
    shell.toast(describe(e));
  }
}

// Capture phase: the gun's keys are judged before any field or screen handles them.
document.addEventListener(
  "keydown",
  (e) => {
    const result = wedge.feed(e.key, e.timeStamp);
    if (result.kind === "scan") {
      e.preventDefault(); // the gun's Enter or Tab must not submit a form or move the focus
      e.stopImmediatePropagation();
      takeBack(result.raw, e.target);
      void routeScan(result.text, "wedge");
    }
  },
  true,
);

function navButton(label: string, key: string, route: Route, id: string): HTMLElement {
  return h(
    "button",
    { class: "nav", id, "aria-current": current.screen === route.screen ? "page" : null, onclick: () => shell.go(route) },
    label,
    h("kbd", {}, key),
  );
}

/** On every screen of the demo shop: what it is, and the way back to the shop's own data. */
function demoBanner(): HTMLElement {
  const back = h("button", { class: "secondary small", id: "leave-demo" }, "Back to my shop");
  back.onclick = async () => {
    back.setAttribute("disabled", "");
    back.textContent = "Opening your shop…";
    try {
      await api.leaveDemoShop();
    } catch (e) {
      back.removeAttribute("disabled");
      back.textContent = "Back to my shop";
      shell.toast(describe(e));
    }
  };
  return h(
    "div",
    { class: "demo-banner", id: "demo-banner", role: "status" },
    h("strong", {}, "DEMO SHOP"),
    h("span", {}, "Made-up customers and orders to try things with — nothing here is your shop's, and nothing you do here reaches it."),
    back,
  );
}

function toggleTheme(): void {
  const dark = document.documentElement.dataset.theme !== "dark";
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  localStorage.setItem("theme", dark ? "dark" : "light");
}

function render(): void {
  screenKeys = null;
  screenScan = null;
  screenReload = null;
  const header = h(
    "header",
    { class: "topbar" },
    h("div", { class: "brand" }, h("strong", {}, "Dixon Counter"), shopName, syncBar),
    h(
      "nav",
      {},
      navButton("Counter", "F1", { screen: "counter" }, "nav-counter"),
      navButton("New repair order", "F2", { screen: "new" }, "nav-new"),
      navButton("Diagnostics", "F11", { screen: "diagnostics", number: null }, "nav-diagnostics"),
      navButton("Integrations", "F8", { screen: "integrations" }, "nav-integrations"),
      navButton("Settings", "F9", { screen: "settings" }, "nav-settings"),
      h("button", { class: "nav", id: "theme", title: "Light or dark theme (F10)", onclick: toggleTheme }, "Theme", h("kbd", {}, "F10")),
    ),
  );
  syncBar.onclick = () => shell.go({ screen: "settings" });
  mount(root, ...(shell.demo ? [demoBanner()] : []), header, main, toastBox);
  const onKeys = (handler: (e: KeyboardEvent) => boolean) => (screenKeys = handler);
  switch (current.screen) {
    case "counter":
      counterView(main, shell, onKeys);
      break;
    case "new":
      newRepairOrderView(main, shell, onKeys);
      break;
    case "repairOrder":
      repairOrderView(main, shell, current.number, onKeys);
      break;
    case "settings":
      settingsView(main, shell, onKeys);
      break;
    case "integrations":
      integrationsView(main, shell, onKeys);
      break;
    case "diagnostics":
      diagnosticsView(main, shell, current.number, onKeys);
      break;
  }
}

document.addEventListener("keydown", (e) => {
  if (screenKeys?.(e)) return;
  const keys: Record<string, () => void> = {
    F1: () => shell.go({ screen: "counter" }),
    F2: () => shell.go({ screen: "new" }),
    F8: () => shell.go({ screen: "integrations" }),
    F11: () => shell.go({ screen: "diagnostics", number: null }),
    F9: () => shell.go({ screen: "settings" }),
    F10: toggleTheme,
  };
  const action = keys[e.key];
  if (action) {
    e.preventDefault();
    action();
  }
});

async function start(): Promise<void> {
  const saved = localStorage.getItem("theme");
  const dark = saved ? saved === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  const status = await api.appStatus();
  if (status.startup_error) {
    const offer = h("div", { id: "restore-offer" });
    mount(
      root,
      h(
        "section",
        { class: "fatal", role: "alert" },
        h("h1", {}, "Dixon Counter can't open its data"),
        h("p", {}, status.startup_error.message),
        h("p", { class: "muted" }, `Data folder: ${status.data_dir}`),
        offer,
      ),
    );
    void offerBackups(offer);
    return;
  }
  shell.demo = status.demo;
  render();
  api.watchSync(showSync).catch((e) => (syncBar.textContent = describe(e)));
  try {
    shell.setShop(await api.getSettings());
  } catch (e) {
    shell.toast(describe(e));
  }
}

/** When the database can't be opened: the backups, newest first, each restorable in one click. */
async function offerBackups(box: HTMLElement): Promise<void> {
  const backups = (await api.listBackups().catch(() => [])).filter((b) => b.problem === null);
  if (backups.length === 0) {
    mount(box, h("p", {}, "There is no backup in this data folder. If you keep backups elsewhere (a USB drive), run `dixon backup restore FOLDER`."));
    return;
  }
  const message = h("p", { class: "error", hidden: true });
  const row = (b: (typeof backups)[number], newest: boolean) =>
    h(
      "tr",
      {},
      h("td", {}, when(b.taken_at), newest ? h("span", { class: "badge status-completed" }, "newest") : null),
      h("td", { class: "num" }, `${b.repair_orders} repair order${b.repair_orders === 1 ? "" : "s"}`),
      h("td", {}, b.last_payment_at ? `last payment ${when(b.last_payment_at)}` : "no payments"),
      h("td", { class: "num" }, `${(b.size_bytes / 1e6).toFixed(1)} MB`),
      h(
        "td",
        {},
        h("button", {
          class: newest ? "primary" : "secondary",
          onclick: async () => {
            if (!window.confirm(`Restore the backup of ${when(b.taken_at)}? The damaged database is kept aside, not deleted.`)) return;
            try {
              message.textContent = await api.restoreBackup(b.path);
            } catch (e) {
              message.textContent = describe(e);
            }
            message.hidden = false;
          },
        }, "Restore this backup"),
      ),
    );
  mount(
    box,
    h("h2", {}, "Restore a backup"),
    h("p", {}, "These backups were checked when they were taken. Restoring one keeps the damaged database aside and starts Dixon Counter again; work since the backup must be entered again (or comes back from the Dixon cloud, if this counter is in a shop)."),
    h("table", { class: "backups" }, h("tbody", {}, backups.map((b, i) => row(b, i === 0)))),
    h("p", { class: "muted" }, "Secrets are not in backups: on this PC Stripe, PayPal, PartsTech and the Dixon cloud stay connected; on a new PC, connect them again."),
    message,
  );
}

start().catch((e) => mount(root, h("section", { class: "fatal", role: "alert" }, h("p", {}, describe(e)))));
