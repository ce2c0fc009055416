// The Integrations screen: every outside service's state, breaker, latency, errors and cost
// today, a small latency chart, and the alerts waiting to be acknowledged.
import { api, describe, type Alert, type BreakerState, type HealthState, type IntegrationsView, type ServiceStatus } from "../api";
import { h, kbd, mount } from "../dom";
import { when } from "../format";
import type { Shell } from "../main";

const STATE_LABEL: Record<HealthState, string> = {
  healthy: "Healthy",
  degraded: "Degraded",
  down: "Down",
  not_configured: "Not configured",
};
const BREAKER_LABEL: Record<BreakerState, string> = { closed: "Closed", open: "Open", half_open: "Half-open" };
/** How often the screen refreshes itself while shown. */
const REFRESH_MS = 5000;

export function integrationsView(main: HTMLElement, _shell: Shell, onKeys: (f: (e: KeyboardEvent) => boolean) => void): void {
  const body = h("div", { id: "integrations" }, h("p", { class: "muted" }, "Loading integrations…"));
  const status = h("p", { class: "muted", id: "integrations-status" });
  const checkButton = h("button", { class: "primary", id: "check-now", onclick: () => checkNow() }, "Check now", kbd("F5"));

  async function load(pending: Promise<IntegrationsView>): Promise<void> {
    try {
      render(await pending);
      status.textContent = `Updated ${new Date().toLocaleTimeString("en-US")}. Checks run every 30 s.`;
    } catch (e) {
      status.textContent = describe(e);
    }
  }

  async function checkNow(): Promise<void> {
    checkButton.disabled = true;
    status.textContent = "Checking every service…";
    await load(api.checkIntegrationsNow());
    checkButton.disabled = false;
  }

  function render(view: IntegrationsView): void {
    mount(
      body,
      view.alerts.length ? alertList(view.alerts) : h("p", { class: "muted", id: "no-alerts" }, "No alerts."),
      h(
        "table",
        { class: "integrations" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Service", "State", "Breaker", "Last success", "p95", "Errors", "Calls today", "Cost today", "Latency"].map((t) =>
              h("th", { class: ["p95", "Errors", "Calls today", "Cost today"].includes(t) ? "num" : null }, t),
            ),
          ),
        ),
        h("tbody", {}, view.services.map(serviceRow)),
      ),
    );
  }

  function alertList(alerts: Alert[]): HTMLElement {
    return h(
      "ul",
      { class: "alerts", id: "alerts" },
      alerts.map((a) =>
        h(
          "li",
          { class: `alert alert-${a.severity}`, "data-rule": a.rule },
          h("strong", {}, a.severity === "critical" ? "Critical" : "Warning"),
          h("span", { class: "alert-message" }, a.message),
          h("span", { class: "muted" }, a.cleared_at ? `cleared ${when(a.cleared_at)}` : `since ${when(a.raised_at)}`),
          h("button", { class: "secondary", onclick: () => load(api.acknowledgeAlert(a.id)) }, "Acknowledge"),
        ),
      ),
    );
  }

  mount(main, h("section", {}, h("div", { class: "toolbar" }, h("h1", { class: "grow" }, "Integrations"), checkButton), status, body));
  onKeys((e) => {
    if (e.key === "F5") {
      e.preventDefault();
      checkNow();
      return true;
    }
    return false;
  });
  load(api.integrationsOverview());
  const timer = window.setInterval(() => {
    if (!body.isConnected) return window.clearInterval(timer);
    load(api.integrationsOverview());
  }, REFRESH_MS);
}

function serviceRow(s: ServiceStatus): HTMLElement {
  const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)} %`);
  return h(
    "tr",
    { "data-service": s.id, class: `state-${s.state}` },
    h("td", {}, h("strong", {}, s.label), s.state_detail ? h("div", { class: "detail" }, s.state_detail) : null),
    h("td", {}, h("span", { class: `badge health-${s.state}` }, STATE_LABEL[s.state])),
    h("td", {}, s.state === "not_configured" ? "—" : BREAKER_LABEL[s.breaker]),
    h("td", { class: "muted" }, s.last_success_at ? when(s.last_success_at) : "—"),
    h("td", { class: "num" }, s.p95_ms === null ? "—" : `${s.p95_ms} ms`),
    h("td", { class: "num" }, pct(s.error_rate)),
    h("td", { class: "num" }, s.calls_today),
    h("td", { class: "num" }, `$${(s.cost_today_microusd / 1e6).toFixed(2)}`),
    h("td", {}, sparkline(s.recent_latency_ms)),
  );
}

/** A tiny latency chart: the latest calls, oldest on the left. */
function sparkline(values: number[]): Element {
  const width = 120;
  const height = 28;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "spark");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", values.length ? `latest latencies up to ${Math.max(...values)} ms` : "no calls yet");
  if (values.length < 2) return svg;
  const max = Math.max(...values, 1);
  const points = values.map((v, i) => `${((i / (values.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points.join(" "));
  svg.append(line);
  return svg;
}
