// The Diagnostics screen: pick the OBD-II adapter (USB, Bluetooth LE, Wi-Fi, or the built-in
// simulator), connect with progress, read the car — trouble codes with descriptions, freeze
// frame, readiness — kept with the repair order, live data as gauges and a rolling chart, and
// clearing codes only after CLEAR is typed.
// Keys: Enter connect, F5 read the car, F6 live data on/off, Esc back.
import { Channel } from "@tauri-apps/api/core";
import { api, describe, type AdapterAddress, type ConnectStep, type ObdConnection, type ObdScan, type Reading, type WatchEvent } from "../api";
import { h, kbd, mount } from "../dom";
import type { Shell } from "../main";
import { chartPath, gaugeFraction, GAUGES, readinessSummary, shown, stepText } from "./obdFormat";

/** The values the dashboard shows unless the user picks others: the six a technician looks at
 * first, engine speed and road speed the fastest. */
const DEFAULT_LIVE: [number, number][] = [[0x0c, 10], [0x0d, 10], [0x05, 2], [0x04, 5], [0x11, 5], [0x0f, 1]];
/** The rates the dashboard offers, reads a second. */
const RATES = [1, 2, 5, 10];
/** How much history the rolling chart keeps. */
const CHART_SECONDS = 30;

type Choice = { key: string; label: string; detail: string; address: () => AdapterAddress | null };

export function diagnosticsView(main: HTMLElement, shell: Shell, number: number | null, onKeys: (f: (e: KeyboardEvent) => boolean) => void): void {
  let connection: ObdConnection | null = null;
  /** "ELM327 v1.5 on USB /dev/ttyUSB0 · CAN 11 bit · battery 12.6 V", kept in front of later messages. */
  let connected = "";
  let scan: ObdScan | null = null;
  let watching = false;
  let chosen = "sim";
  const history = new Map<number, { t: number; v: number }[]>();
  const latest = new Map<number, Reading>();

  const progress = h("p", { class: "obd-progress", id: "obd-progress", role: "status" }, "Pick the adapter and press Connect.");
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const choices = h("div", { class: "adapter-list", id: "adapter-list" });
  const wifiInput = h("input", { id: "wifi-address", value: "192.168.0.10:35000", "aria-label": "Wi-Fi adapter address" }) as HTMLInputElement;
  const connectButton = h("button", { class: "primary big", id: "obd-connect", onclick: () => connect() }, "Connect", kbd("Enter"));
  const scanButton = h("button", { class: "primary", id: "obd-scan", disabled: true, onclick: () => readCar() }, "Read the car", kbd("F5"));
  const liveButton = h("button", { class: "secondary", id: "obd-live", disabled: true, onclick: () => toggleLive() }, "Live data", kbd("F6"));
  const results = h("div", { id: "obd-results" });
  const live = h("div", { id: "obd-live-panel", hidden: true });
  const chooser = h("details", { class: "live-chooser", id: "live-chooser", hidden: true });
  const liveView = h("div", { class: "live-view" });
  live.append(chooser, liveView);
  /** The watched values and their rates (reads a second). */
  const liveRates = new Map<number, number>();
  let running: Promise<void> | null = null;
  /** A change of values stops the watch to start it again: no "stopped" message then. */
  let restarting = false;

  function fail(e: unknown): void {
    message.textContent = describe(e);
    message.hidden = false;
  }

  function choiceRow(c: Choice): HTMLElement {
    const input = h("input", { type: "radio", name: "adapter", value: c.key, checked: c.key === chosen, onchange: () => (chosen = c.key) });
    return h("label", { class: "adapter-choice", "data-adapter": c.key }, input, h("span", {}, h("strong", {}, c.label), h("small", { class: "muted" }, c.detail)));
  }

  const simChoice: Choice = {
    key: "sim",
    label: "Simulator",
    detail: "a demo car with codes, for training and trying the screen",
    address: () => ({ kind: "simulator", scenario: "shop_demo", baud: 38400, ecu_latency_ms: 10 }),
  };
  const wifiChoice: Choice = {
    key: "wifi",
    label: "Wi-Fi adapter",
    detail: "join the adapter's Wi-Fi network first",
    address: () => {
      const [host, port] = wifiInput.value.trim().split(":");
      const n = Number(port || "35000");
      if (!host || !Number.isInteger(n) || n < 1 || n > 65535) return null;
      return { kind: "wifi", host, port: n };
    },
  };
  let listed: Choice[] = [simChoice, wifiChoice];

  async function listAdapters(): Promise<void> {
    try {
      const found = await api.obdAdapters();
      wifiInput.value = found.wifi_default;
      const serial: Choice[] = found.serial.map((p) => ({ key: `serial:${p.port}`, label: `USB ${p.port}`, detail: p.description, address: () => ({ kind: "serial", port: p.port, baud: null }) }));
      const dongles: Choice[] = found.dongles.map((d) => ({
        key: `dongle:${d.id}`,
        label: d.name ?? d.id,
        detail: `remembered dongle (${d.kind})${d.address ? ` · ${d.address}` : ""}`,
        address: () =>
          d.kind === "ble"
            ? { kind: "ble", name: d.address ?? d.name ?? d.id }
            : d.kind === "wifi"
              ? { kind: "wifi", host: (d.address ?? "192.168.0.10").split(":")[0], port: Number((d.address ?? "").split(":")[1] || 35000) }
              : { kind: "serial", port: d.address ?? "", baud: null },
      }));
      listed = [...dongles, ...serial, wifiChoice, simChoice];
      if (found.serial_problem) progress.textContent = found.serial_problem;
    } catch (e) {
      fail(e);
    }
    renderChoices();
  }

  async function searchBluetooth(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    progress.textContent = "Looking for Bluetooth adapters (4 s)… plug the adapter in and switch the ignition on.";
    try {
      const devices = await api.obdBleDevices();
      const ble: Choice[] = devices.map((d) => ({ key: `ble:${d.address}`, label: d.name || d.address, detail: `Bluetooth LE${d.likely_obd ? " · looks like an OBD adapter" : ""}${d.rssi !== null ? ` · ${d.rssi} dBm` : ""}`, address: () => ({ kind: "ble", name: d.address }) }));
      listed = [...ble, ...listed.filter((c) => !c.key.startsWith("ble:"))];
      progress.textContent = devices.length ? `${devices.length} Bluetooth device(s) found.` : "No Bluetooth devices found. Is the adapter powered (ignition on)?";
    } catch (e) {
      progress.textContent = describe(e);
    }
    button.disabled = false;
    renderChoices();
  }

  function renderChoices(): void {
    const bleButton = h("button", { type: "button", class: "secondary", id: "ble-search", onclick: (e: Event) => searchBluetooth(e.currentTarget as HTMLButtonElement) }, "Search Bluetooth");
    mount(choices, ...listed.map(choiceRow), h("div", { class: "wifi-row" }, wifiInput), bleButton);
  }

  async function connect(): Promise<void> {
    const choice = listed.find((c) => c.key === chosen) ?? simChoice;
    const address = choice.address();
    if (!address) return fail(new Error("Type the Wi-Fi adapter's address as HOST:PORT, e.g. 192.168.0.10:35000"));
    message.hidden = true;
    connectButton.disabled = true;
    stopLive();
    const steps = new Channel<ConnectStep>();
    steps.onmessage = (step) => (progress.textContent = stepText(step));
    try {
      connection = await api.obdConnect(address, steps);
      connected = `Connected: ${connection.identity.chip} on ${connection.adapter} · ${connection.protocol}${connection.identity.battery_volts ? ` · battery ${connection.identity.battery_volts.toFixed(1)} V` : ""}.`;
      progress.textContent = connected;
      progress.className = "obd-progress ok";
      scanButton.disabled = false;
      liveButton.disabled = false;
      await readCar();
    } catch (e) {
      connection = null;
      progress.className = "obd-progress";
      progress.textContent = "Not connected.";
      fail(e);
    } finally {
      connectButton.disabled = false;
    }
  }

  async function readCar(): Promise<void> {
    if (!connection) return;
    stopLive();
    scanButton.disabled = true;
    progress.textContent = "Reading the car: VIN, trouble codes, freeze frame, readiness…";
    try {
      scan = await api.obdScan(number);
      progress.textContent = `${connected} ${number ? `Read and kept with repair order ${number}.` : "Read. Open Diagnostics from a repair order to keep the reading with it."}`;
      renderResults();
    } catch (e) {
      fail(e);
    } finally {
      scanButton.disabled = false;
    }
  }

  async function useVin(vin: string): Promise<void> {
    if (number === null) return;
    try {
      await api.setVehicleVin(number, vin);
      shell.toast(`VIN ${vin} from the car saved on repair order ${number}.`);
    } catch (e) {
      fail(e);
    }
  }

  function clearForm(): HTMLElement {
    const input = h("input", { id: "clear-confirm", placeholder: "type CLEAR", autocomplete: "off", "aria-label": "Type CLEAR to confirm" }) as HTMLInputElement;
    const button = h("button", { class: "danger", id: "clear-codes", disabled: true, onclick: () => clearCodes(input.value) }, "Clear codes") as HTMLButtonElement;
    input.addEventListener("input", () => (button.disabled = input.value.trim().toUpperCase() !== "CLEAR"));
    return h(
      "details",
      { class: "clear-codes" },
      h("summary", {}, "Clear trouble codes…"),
      h("p", { class: "warn" }, "Clearing also erases the freeze frame and resets every readiness monitor: the car needs a drive cycle before an inspection will pass it. Read and keep the codes first."),
      h("div", { class: "with-action" }, input, button),
    );
  }

  async function clearCodes(confirmation: string): Promise<void> {
    try {
      await api.obdClearCodes(confirmation);
      shell.toast("Codes cleared. Reading the car again…");
      await readCar();
    } catch (e) {
      fail(e);
    }
  }

  function renderResults(): void {
    if (!scan) return mount(results);
    const s = scan.snapshot;
    const r = s.readiness;
    const kinds = { stored: "Stored", pending: "Pending", permanent: "Permanent" } as const;
    const parts: (HTMLElement | null)[] = [
      h(
        "div",
        { class: "cards obd-summary" },
        h("article", { class: "card" }, h("h2", {}, "Vehicle"), h("p", { class: "mono", id: "obd-vin" }, s.vin ?? "VIN not reported"),
          s.vin && number !== null ? h("button", { class: "secondary", id: "use-vin", onclick: () => useVin(s.vin!) }, "Use VIN from car") : null,
          s.odometer_km !== null ? h("p", {}, `Odometer ${Math.round(s.odometer_km / 1.609344).toLocaleString("en-US")} mi`) : null),
        h("article", { class: `card mil ${r?.mil_on ? "mil-on" : "mil-off"}` }, h("h2", {}, "Check-engine light"), h("p", { class: "mil-state" }, r ? (r.mil_on ? "ON" : "Off") : "not reported"), r ? h("p", { class: "muted" }, `${r.dtc_count} stored code${r.dtc_count === 1 ? "" : "s"}`) : null),
        h("article", { class: "card" }, h("h2", {}, "Readiness"), h("p", {}, r ? readinessSummary(r) : "not reported")),
      ),
      h("h2", {}, `Trouble codes (${s.codes.length})`),
      s.codes.length
        ? h("table", { class: "obd-codes", id: "obd-codes" }, h("thead", {}, h("tr", {}, ["Code", "Kind", "Controller", "Meaning"].map((t) => h("th", {}, t)))),
            h("tbody", {}, s.codes.map((c) => h("tr", { "data-code": c.code }, h("td", { class: "mono strong" }, c.code), h("td", {}, h("span", { class: `badge code-${c.kind}` }, kinds[c.kind])), h("td", {}, c.ecu), h("td", {}, c.description)))))
        : h("p", { class: "ok" }, "No trouble codes."),
      s.freeze_frame
        ? h("details", { class: "freeze", open: true }, h("summary", {}, `Freeze frame — stored by ${s.freeze_frame.code} (${s.freeze_frame.description})`),
            h("dl", { class: "freeze-values" }, s.freeze_frame.readings.flatMap((x) => [h("dt", {}, x.name), h("dd", {}, `${shown(x.value)} ${x.unit}`)])))
        : null,
      r
        ? h("details", { class: "monitors" }, h("summary", {}, "Readiness monitors"),
            h("ul", {}, r.monitors.filter((m) => m.available).map((m) => h("li", { class: m.complete ? "ok" : "warn" }, m.complete ? "✓ " : "✗ ", m.name, m.complete ? " complete" : " not complete"))))
        : null,
      s.warnings.length ? h("p", { class: "muted" }, s.warnings.join(" · ")) : null,
      s.codes.some((c) => c.kind !== "permanent") ? clearForm() : null,
    ];
    mount(results, ...parts.filter((p): p is HTMLElement => p !== null));
  }

  // ---- live data ----
  function toggleLive(): void {
    if (watching) stopLive();
    else running = startLive();
  }

  function stopLive(): void {
    if (!watching) return;
    watching = false;
    void api.obdStopWatch();
    liveButton.textContent = "Live data";
    liveButton.append(kbd("F6"));
  }

  /** The PIDs the car offers, each with a box and a rate: changing one restarts the watch. */
  function renderChooser(): void {
    if (!connection) return;
    chooser.hidden = false;
    const rows = connection.live.map((p) => {
      const box = h("input", { type: "checkbox", checked: liveRates.has(p.pid), "data-pid": p.pid.toString(16), "aria-label": p.name }) as HTMLInputElement;
      const rate = h("select", { "aria-label": `${p.name}: reads a second` }, RATES.map((r) => h("option", { value: r, selected: (liveRates.get(p.pid) ?? 5) === r }, `${r} Hz`))) as HTMLSelectElement;
      const changed = () => {
        if (box.checked) liveRates.set(p.pid, Number(rate.value));
        else liveRates.delete(p.pid);
        if (watching) void restartLive();
      };
      box.addEventListener("change", changed);
      rate.addEventListener("change", changed);
      return h("label", { class: "live-choice" }, box, h("span", {}, p.name, p.unit ? h("small", { class: "muted" }, ` ${p.unit}`) : null), rate);
    });
    mount(chooser, h("summary", {}, `Values (${liveRates.size} of ${connection.live.length})`), h("div", { class: "live-choices" }, rows));
  }

  async function restartLive(): Promise<void> {
    restarting = true;
    stopLive();
    await running;
    restarting = false;
    if (liveRates.size) running = startLive();
  }

  async function startLive(): Promise<void> {
    if (!connection) return;
    if (!liveRates.size) {
      const offered = new Set(connection.live.map((p) => p.pid));
      for (const [pid, hz] of DEFAULT_LIVE) if (offered.has(pid)) liveRates.set(pid, hz);
    }
    if (!liveRates.size) return fail(new Error("This car offers no live values the app can show."));
    renderChooser();
    watching = true;
    history.clear();
    latest.clear();
    live.hidden = false;
    liveButton.textContent = "Stop live data";
    liveButton.append(kbd("F6"));
    const events = new Channel<WatchEvent>();
    const started = performance.now();
    events.onmessage = (event) => {
      if (event.kind === "readings") {
        for (const r of event.readings) {
          latest.set(r.pid, r);
          const series = history.get(r.pid) ?? [];
          if (r.value === null) continue;
          series.push({ t: event.at_ms / 1000, v: r.value });
          while (series.length && series[0].t < event.at_ms / 1000 - CHART_SECONDS) series.shift();
          history.set(r.pid, series);
        }
      } else if (event.kind === "lost") {
        progress.textContent = `Adapter lost (${event.error}). Reconnecting…`;
      } else {
        progress.textContent = "Reconnected.";
      }
    };
    const draw = () => {
      if (!watching || !live.isConnected) return;
      renderLive((performance.now() - started) / 1000);
      window.setTimeout(draw, 200); // five redraws a second: smooth enough, light on a counter PC
    };
    draw();
    try {
      const watched = [...liveRates].map(([pid, hz]) => ({ pid, hz }));
      const stats = await api.obdWatch(watched, events);
      const seconds = stats.seconds ?? 0;
      if (!restarting) progress.textContent = `Live data stopped: ${stats.values} values in ${seconds.toFixed(0)} s (${(stats.values / Math.max(seconds, 0.001)).toFixed(0)} a second).`;
    } catch (e) {
      fail(e);
    }
    watching = false;
  }

  function renderLive(now: number): void {
    const gauges = GAUGES.filter((g) => latest.has(g.pid)).map((g) => {
      const r = latest.get(g.pid)!;
      const fraction = gaugeFraction(r.value, g.min, g.max);
      return h("figure", { class: "gauge", "data-pid": g.pid.toString(16) }, gaugeSvg(fraction), h("div", { class: "gauge-value" }, shown(r.value)), h("figcaption", {}, `${g.label} · ${r.unit}`));
    });
    // values without a dial: a number and its unit
    const tiles = [...latest.values()].filter((r) => !GAUGES.some((g) => g.pid === r.pid)).map((r) =>
      h("figure", { class: "tile", "data-pid": r.pid.toString(16) }, h("div", { class: "tile-value" }, shown(r.value), h("small", {}, ` ${r.unit}`)), h("figcaption", {}, r.name)));
    const chartPids = GAUGES.filter((g) => history.has(g.pid));
    mount(
      liveView,
      h("div", { class: "gauges" }, gauges, tiles),
      h("figure", { class: "chart" }, chartSvg(chartPids.map((g) => ({ key: g.pid, points: history.get(g.pid)!, min: g.min, max: g.max })), now),
        h("figcaption", {}, chartPids.map((g, i) => h("span", { class: `series series-${i}` }, "■ ", g.label)), h("span", { class: "muted" }, ` · last ${CHART_SECONDS} s`))),
    );
  }

  mount(
    main,
    h(
      "section",
      { class: "diagnostics" },
      h("div", { class: "toolbar" }, h("h1", { class: "grow" }, "Diagnostics", number !== null ? h("small", { class: "muted" }, ` for repair order ${number}`) : null),
        number !== null ? h("button", { class: "secondary", id: "obd-back", onclick: () => { stopLive(); shell.go({ screen: "repairOrder", number }); } }, `Back to RO ${number}`, kbd("Esc")) : null),
      h("div", { class: "obd-layout" },
        h("aside", { class: "card adapter-card" }, h("h2", {}, "Adapter"), choices, connectButton),
        h("div", { class: "obd-main" }, progress, message, h("div", { class: "toolbar" }, scanButton, liveButton), live, results)),
    ),
  );
  renderChoices();
  void listAdapters();

  onKeys((e) => {
    const typing = e.target instanceof HTMLInputElement && e.target.type !== "radio";
    if (e.key === "Enter" && !typing && !(e.target instanceof HTMLButtonElement)) {
      e.preventDefault();
      void connect();
      return true;
    }
    if (e.key === "F5") {
      e.preventDefault();
      void readCar();
      return true;
    }
    if (e.key === "F6") {
      e.preventDefault();
      if (connection) toggleLive();
      return true;
    }
    if (e.key === "Escape" && !typing) {
      stopLive();
      shell.go(number !== null ? { screen: "repairOrder", number } : { screen: "counter" });
      return true;
    }
    return false;
  });
  // leaving the screen stops live data (the adapter stays connected for the next visit)
  const leave = window.setInterval(() => {
    if (!main.contains(live)) {
      stopLive();
      window.clearInterval(leave);
    }
  }, 500);
}

const SVG = "http://www.w3.org/2000/svg";
function svgEl(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** A 240° arc gauge: the track, and the value's share of it. */
function gaugeSvg(fraction: number): SVGElement {
  const svg = svgEl("svg", { viewBox: "0 0 120 90", class: "gauge-arc", role: "img" });
  const arc = (to: number) => {
    const start = (150 * Math.PI) / 180;
    const end = start + (240 * Math.PI * to) / 180;
    const [x0, y0, x1, y1] = [60 + 48 * Math.cos(start), 60 + 48 * Math.sin(start), 60 + 48 * Math.cos(end), 60 + 48 * Math.sin(end)];
    return `M ${x0.toFixed(1)} ${y0.toFixed(1)} A 48 48 0 ${to > 0.75 ? 1 : 0} 1 ${x1.toFixed(1)} ${y1.toFixed(1)}`;
  };
  svg.append(svgEl("path", { d: arc(1), class: "track" }));
  if (fraction > 0.005) svg.append(svgEl("path", { d: arc(fraction), class: "value" }));
  return svg;
}

/** The rolling chart: each series scaled to its gauge's range, the newest on the right. */
function chartSvg(series: { key: number; points: { t: number; v: number }[]; min: number; max: number }[], now: number): SVGElement {
  const [width, height] = [900, 160];
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart-svg", preserveAspectRatio: "none", role: "img", "aria-label": "live data over the last 30 seconds" });
  for (let i = 1; i < 4; i++) svg.append(svgEl("line", { x1: 0, x2: width, y1: (height * i) / 4, y2: (height * i) / 4, class: "grid" }));
  series.forEach((s, i) => {
    const d = chartPath(s.points, now, CHART_SECONDS, s.min, s.max, width, height);
    if (d) svg.append(svgEl("path", { d, class: `series series-${i}` }));
  });
  return svg;
}
