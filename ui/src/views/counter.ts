// The counter screen: today's repair orders, a search, and "New repair order".
import { api, describe, type ListScope, type Message, type RepairOrderSummary } from "../api";
import { h, kbd, mount } from "../dom";
import { money, when } from "../format";
import type { Shell } from "../main";
import { messageMeta, stateTone } from "./messageFormat";
import { statusBadge } from "./status";

export function counterView(main: HTMLElement, shell: Shell, onKeys: (f: (e: KeyboardEvent) => boolean) => void): void {
  let scope: ListScope = "today";
  let searchTimer = 0;
  let requestId = 0;
  const search = h("input", {
    id: "search",
    type: "search",
    placeholder: "Search RO number, name, phone, VIN, plate, make or model",
    "aria-label": "Search repair orders",
    autocomplete: "off",
    oninput: () => {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(refresh, 150);
    },
  });
  const scopeButton = h("button", { class: "secondary", id: "scope", onclick: () => toggleScope() });
  const table = h("div", { class: "list", id: "ro-list" });
  const summary = h("p", { class: "muted", id: "list-summary" });
  const inbox = h("section", { class: "inbox", id: "inbox", hidden: true });

  /** Customers' replies and the owner's alerts, shared by every counter of the shop. */
  async function refreshInbox(): Promise<void> {
    try {
      renderInbox(await api.messageInbox());
    } catch {
      inbox.hidden = true; // the list above says what is wrong with the store
    }
  }

  function renderInbox(messages: Message[]): void {
    inbox.hidden = messages.length === 0;
    mount(
      inbox,
      h("h2", {}, "Replies and alerts"),
      h(
        "ol",
        {},
        ...messages.map((m) =>
          h(
            "li",
            { class: `inbox-item ${m.channel === "in_app" ? "alert" : stateTone(m.state)}`, tabindex: m.repair_order ? 0 : null, onclick: () => m.repair_order && shell.go({ screen: "repairOrder", number: m.repair_order }) },
            h("strong", {}, m.channel === "in_app" ? (m.subject ?? "Alert") : `${m.customer_name ?? "Unknown number"}${m.repair_order ? ` · RO ${m.repair_order}` : ""}`),
            h("span", {}, m.body),
            h("small", { class: "muted" }, `${when(m.created_at)} · ${m.channel === "in_app" ? "on every counter" : messageMeta(m)}`),
          ),
        ),
      ),
    );
  }

  /** A shop that never saved its profile and has no orders is new: two ways to start. */
  async function offerFirstSteps(): Promise<void> {
    const [settings, all] = await Promise.all([api.getSettings(), api.listRepairOrders({ search: "", scope: "all" })]).catch(() => [null, null]);
    if (!settings || settings.updated_at || !all || all.length > 0) return;
    const demo = h("button", { class: "secondary", id: "try-demo" }, "Try it with a demo shop");
    demo.onclick = async () => {
      demo.setAttribute("disabled", "");
      demo.textContent = "Opening the demo shop…";
      try {
        await api.openDemoShop();
      } catch (e) {
        demo.removeAttribute("disabled");
        demo.textContent = "Try it with a demo shop";
        shell.toast(describe(e));
      }
    };
    table.prepend(
      h(
        "section",
        { class: "welcome card", id: "welcome" },
        h("h2", {}, "Welcome to Dixon Counter"),
        h(
          "div",
          { class: "welcome-choices" },
          h(
            "div",
            {},
            h("button", { class: "primary", id: "setup-shop", onclick: () => shell.go({ screen: "settings" }) }, "Set up your shop"),
            h("p", { class: "muted" }, "Name, address, phone, tax rates and labor rate: what a correct estimate needs. Two minutes."),
          ),
          h(
            "div",
            {},
            demo,
            h("p", { class: "muted" }, "A practice shop with repair orders in every state, a decoded vehicle, a reading from the car and an estimate with parts. It is kept apart from your shop's data; come back any time."),
          ),
        ),
      ),
    );
  }

  function toggleScope(): void {
    scope = scope === "today" ? "all" : "today";
    refresh();
  }

  async function refresh(): Promise<void> {
    const mine = ++requestId;
    scopeButton.replaceChildren(scope === "today" ? "Show all" : "Show today", kbd("F4"));
    try {
      const orders = await api.listRepairOrders({ search: search.value, scope });
      if (mine === requestId) renderList(orders);
    } catch (e) {
      if (mine === requestId) mount(table, h("p", { class: "error", role: "alert" }, describe(e)));
    }
  }

  function renderList(orders: RepairOrderSummary[]): void {
    const label = scope === "today" ? "open and today's" : "all";
    summary.textContent = `${orders.length} ${label} repair order${orders.length === 1 ? "" : "s"}`;
    if (orders.length === 0) {
      mount(
        table,
        h(
          "div",
          { class: "empty" },
          h("p", {}, search.value ? "No repair order matches that search." : "No repair orders yet today."),
          h("button", { class: "primary", onclick: () => shell.go({ screen: "new" }) }, "New repair order", kbd("F2")),
        ),
      );
      if (!search.value && !shell.demo) void offerFirstSteps();
      return;
    }
    const open = (number: number) => shell.go({ screen: "repairOrder", number });
    mount(
      table,
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h("tr", {}, h("th", {}, "RO"), h("th", {}, "Customer"), h("th", {}, "Vehicle"), h("th", {}, "Status"), h("th", { class: "num" }, "Total"), h("th", {}, "Updated")),
        ),
        h(
          "tbody",
          {},
          orders.map((ro) =>
            h(
              "tr",
              {
                tabindex: 0,
                "data-number": ro.number,
                onclick: () => open(ro.number),
                onkeydown: (e: Event) => (e as KeyboardEvent).key === "Enter" && open(ro.number),
              },
              h("td", { class: "ro-number" }, ro.number, ro.provisional ? h("span", { class: "provisional", title: "Provisional until the Dixon cloud confirms it" }, "provisional") : null),
              h("td", {}, ro.customer_name),
              h("td", {}, ro.vehicle, ro.plate ? h("span", { class: "plate" }, ro.plate) : null),
              h("td", {}, statusBadge(ro.status)),
              h("td", { class: "num money" }, money(ro.total)),
              h("td", { class: "muted" }, when(ro.updated_at)),
            ),
          ),
        ),
      ),
    );
  }

  mount(
    main,
    h(
      "section",
      { class: "counter" },
      h(
        "div",
        { class: "toolbar" },
        h("label", { class: "search" }, search, kbd("/")),
        scopeButton,
        h("button", { class: "primary", id: "new-ro", onclick: () => shell.go({ screen: "new" }) }, "New repair order", kbd("F2")),
      ),
      summary,
      table,
      inbox,
    ),
  );
  // A scanned VIN or part finds the orders for that car or part.
  shell.onScan((meaning) => {
    const text = meaning.kind === "vin" ? meaning.vin : meaning.kind === "part_number" ? meaning.part_number : null;
    if (text === null) return false;
    search.value = text;
    void refresh();
    return true;
  });
  onKeys((e) => {
    if (e.key === "/" && document.activeElement !== search) {
      e.preventDefault();
      search.focus();
      return true;
    }
    if (e.key === "F4") {
      e.preventDefault();
      toggleScope();
      return true;
    }
    if (e.key === "Escape" && document.activeElement === search && search.value) {
      search.value = "";
      refresh();
      return true;
    }
    return false;
  });
  // another counter's change arrived: the list reloads, search and scope kept
  shell.onSharedChange(() => {
    void refresh();
    void refreshInbox();
  });
  search.focus();
  refresh();
  void refreshInbox();
  // replies arrive in the background (relayed by the Dixon cloud): follow them while shown
  const follow = window.setInterval(() => (inbox.isConnected ? void refreshInbox() : window.clearInterval(follow)), 8000);
}
