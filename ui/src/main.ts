// Dixon Counter's web UI: the counter list, a new repair order, one repair order, and settings.
// Keyboard first: every primary action has a key shown on its button.
import { api, describe, type ShopSettings } from "./api";
import { h, mount } from "./dom";
import { counterView } from "./views/counter";
import { integrationsView } from "./views/integrations";
import { newRepairOrderView } from "./views/newRepairOrder";
import { repairOrderView } from "./views/repairOrder";
import { settingsView } from "./views/settings";

export type Route =
  | { screen: "counter" }
  | { screen: "new" }
  | { screen: "repairOrder"; number: number }
  | { screen: "settings" }
  | { screen: "integrations" };

/** What every screen gets: a way to move, and the shop's profile. */
export interface Shell {
  go(route: Route): void;
  shop: ShopSettings | null;
  setShop(shop: ShopSettings): void;
  toast(message: string): void;
}

const root = document.getElementById("app")!;
const main = h("main", { id: "screen" });
const shopName = h("span", { class: "shop-name" });
const toastBox = h("div", { class: "toast", role: "status", hidden: true });
let current: Route = { screen: "counter" };
// Screens register a key handler while they are shown; the shell handles the global keys.
let screenKeys: ((e: KeyboardEvent) => boolean) | null = null;

const shell: Shell = {
  shop: null,
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
};

function navButton(label: string, key: string, route: Route, id: string): HTMLElement {
  return h(
    "button",
    { class: "nav", id, "aria-current": current.screen === route.screen ? "page" : null, onclick: () => shell.go(route) },
    label,
    h("kbd", {}, key),
  );
}

function toggleTheme(): void {
  const dark = document.documentElement.dataset.theme !== "dark";
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  localStorage.setItem("theme", dark ? "dark" : "light");
}

function render(): void {
  screenKeys = null;
  const header = h(
    "header",
    { class: "topbar" },
    h("div", { class: "brand" }, h("strong", {}, "Dixon Counter"), shopName),
    h(
      "nav",
      {},
      navButton("Counter", "F1", { screen: "counter" }, "nav-counter"),
      navButton("New repair order", "F2", { screen: "new" }, "nav-new"),
      navButton("Integrations", "F8", { screen: "integrations" }, "nav-integrations"),
      navButton("Settings", "F9", { screen: "settings" }, "nav-settings"),
      h("button", { class: "nav", id: "theme", title: "Light or dark theme (F10)", onclick: toggleTheme }, "Theme", h("kbd", {}, "F10")),
    ),
  );
  mount(root, header, main, toastBox);
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
  }
}

document.addEventListener("keydown", (e) => {
  if (screenKeys?.(e)) return;
  const keys: Record<string, () => void> = {
    F1: () => shell.go({ screen: "counter" }),
    F2: () => shell.go({ screen: "new" }),
    F8: () => shell.go({ screen: "integrations" }),
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
    mount(
      root,
      h(
        "section",
        { class: "fatal", role: "alert" },
        h("h1", {}, "Dixon Counter can't open its data"),
        h("p", {}, status.startup_error.message),
        h("p", { class: "muted" }, `Data folder: ${status.data_dir}`),
      ),
    );
    return;
  }
  render();
  try {
    shell.setShop(await api.getSettings());
  } catch (e) {
    shell.toast(describe(e));
  }
}

start().catch((e) => mount(root, h("section", { class: "fatal", role: "alert" }, h("p", {}, describe(e)))));
