// One repair order: who, what vehicle, the money, where it stands and where it can go next.
import { api, describe, type RepairOrder, type Status } from "../api";
import { h, kbd, mount } from "../dom";
import { miles, money, phone, when } from "../format";
import type { Shell } from "../main";
import { approvalPanel } from "./approval";
import { recallsPanel } from "./recalls";
import { estimateEditor } from "./estimate";
import { inspectionPanel } from "./inspection";
import { messagesPanel } from "./messages";
import { paymentPanel } from "./payment";
import { STATUS_LABEL, statusBadge } from "./status";

/** Words on the buttons that move an order, and which move is the main one. */
const MOVE_LABEL: Record<Status, string> = {
  estimate: "Back to estimate",
  approved: "Customer approved",
  in_progress: "Start work",
  completed: "Work completed",
  invoiced: "Invoice",
  paid: "Mark paid",
  closed: "Close",
  canceled: "Cancel order",
};
const BACKWARD: Status[] = ["estimate", "canceled"];

export function repairOrderView(main: HTMLElement, shell: Shell, number: number, onKeys: (f: (e: KeyboardEvent) => boolean) => void): void {
  const message = h("p", { class: "error", role: "alert", hidden: true });
  let busy = false;

  async function load(): Promise<void> {
    try {
      render(await api.getRepairOrder(number));
    } catch (e) {
      mount(main, h("section", {}, h("p", { class: "error", role: "alert" }, describe(e)), back()));
    }
  }

  async function move(to: Status): Promise<void> {
    if (busy) return;
    if (to === "canceled" && !window.confirm(`Cancel repair order ${number}?`)) return;
    busy = true;
    message.hidden = true;
    try {
      const ro = await api.changeStatus(number, to, null);
      shell.toast(`Repair order ${number} is now ${STATUS_LABEL[ro.status]}.`);
      render(ro);
    } catch (e) {
      message.textContent = describe(e);
      message.hidden = false;
    } finally {
      busy = false;
    }
  }

  /** A VIN scanned on the order fills its vehicle; replacing a different VIN asks first. */
  async function scannedVin(ro: RepairOrder, vin: string): Promise<void> {
    if (ro.vehicle.vin === vin) return shell.toast(`The VIN ${vin} is this vehicle's.`);
    if (ro.vehicle.vin && !window.confirm(`This order's vehicle has VIN ${ro.vehicle.vin}. Replace it with the scanned ${vin}?`)) return;
    try {
      render(await api.setVehicleVin(number, vin));
      shell.toast(`VIN ${vin} saved on repair order ${number}.`);
    } catch (e) {
      message.textContent = describe(e);
      message.hidden = false;
    }
  }

  /** The readings from the car kept with the order, and the way to take one. */
  function diagnostics(ro: RepairOrder): HTMLElement {
    const read = h("button", { class: "secondary", id: "read-car", onclick: () => shell.go({ screen: "diagnostics", number }) }, "Read the car (OBD)", kbd("Alt+D"));
    const latest = ro.diagnostics[0];
    if (!latest) return h("div", { class: "toolbar diagnostics-line" }, h("p", { class: "muted grow" }, "No reading from the car yet."), read);
    const codes = latest.codes.map((c) => `${c.code}${c.kind === "stored" ? "" : ` (${c.kind})`}`).join(", ") || "no trouble codes";
    return h(
      "div",
      { class: "toolbar diagnostics-line", id: "ro-diagnostics" },
      h("p", { class: "grow" }, h("strong", {}, "Car read "), when(latest.taken_at), ": ", latest.mil_on ? h("span", { class: "warn" }, "check-engine light ON · ") : null, codes,
        ro.diagnostics.length > 1 ? h("span", { class: "muted" }, ` · ${ro.diagnostics.length - 1} earlier reading${ro.diagnostics.length > 2 ? "s" : ""}`) : null),
      read,
    );
  }

  function back(): HTMLElement {
    return h("button", { class: "secondary", onclick: () => shell.go({ screen: "counter" }) }, "Back to counter", kbd("Esc"));
  }

  function render(ro: RepairOrder): void {
    const editor = estimateEditor(ro, shell, render);
    const payment = ["invoiced", "paid", "closed"].includes(ro.status) ? paymentPanel(number, () => void load()) : null;
    const messages = messagesPanel(number);
    const c = ro.customer;
    const v = ro.vehicle;
    const forward = ro.next_statuses.filter((s) => !BACKWARD.includes(s));
    const moves = [...forward, ...ro.next_statuses.filter((s) => BACKWARD.includes(s))];
    const vehicleTitle = [v.year, v.make, v.model].filter(Boolean).join(" ") || "Vehicle";
    mount(
      main,
      h(
        "section",
        { class: "ro" },
        h(
          "div",
          { class: "ro-head" },
          h(
            "h1",
            {},
            `RO ${ro.number}`,
            ro.provisional ? h("span", { class: "provisional", title: "Opened offline: the Dixon cloud confirms the number when this counter syncs" }, "provisional") : null,
            " ",
            statusBadge(ro.status),
          ),
          h("div", { class: "total-big", "aria-label": "Total" }, h("small", {}, "Total"), money(ro.totals.total)),
        ),
        h(
          "div",
          { class: "cards" },
          h(
            "article",
            { class: "card" },
            h("h2", {}, c.name),
            c.phone ? h("p", {}, phone(c.phone)) : null,
            c.email ? h("p", {}, c.email) : null,
            h("p", { class: "muted" }, `Prefers ${{ call: "a phone call", text: "a text", email: "email" }[c.preferred_contact]}`, c.sms_consent ? " · agreed to texts" : " · no texts"),
          ),
          h(
            "article",
            { class: "card" },
            h("h2", {}, vehicleTitle),
            v.vin ? h("p", { class: "mono" }, v.vin) : null,
            h("p", {}, [v.plate ? `Plate ${v.plate}` : null, ro.odometer_in !== null ? `${miles(ro.odometer_in)} mi` : null].filter(Boolean).join(" · ")),
          ),
          h(
            "article",
            { class: "card totals" },
            h("h2", {}, "Totals"),
            h(
              "dl",
              {},
              h("dt", {}, "Labor"), h("dd", {}, money(ro.totals.labor)),
              h("dt", {}, "Parts"), h("dd", {}, money(ro.totals.parts)),
              h("dt", {}, "Fees"), h("dd", {}, money(ro.totals.fees)),
              ro.totals.sublet ? [h("dt", {}, "Sublet"), h("dd", {}, money(ro.totals.sublet))] : null,
              ro.totals.discounts ? [h("dt", {}, "Discounts"), h("dd", {}, money(ro.totals.discounts))] : null,
              h("dt", {}, "Tax"), h("dd", {}, money(ro.totals.tax)),
            ),
          ),
        ),
        ro.concern ? h("p", { class: "concern" }, h("strong", {}, "Concern: "), ro.concern) : null,
        recallsPanel(number),
        diagnostics(ro),
        payment?.element,
        inspectionPanel(number, render),
        editor.element,
        approvalPanel(number),
        messages.element,
        message,
        h(
          "div",
          { class: "actions" },
          back(),
          ...moves.map((to, i) =>
            h(
              "button",
              { class: i === 0 && !BACKWARD.includes(to) ? "primary big" : to === "canceled" ? "danger" : "secondary", "data-status": to, onclick: () => move(to) },
              MOVE_LABEL[to],
              kbd(`F${5 + i}`),
            ),
          ),
          ro.next_statuses.length === 0 ? h("p", { class: "muted" }, "This order is final.") : null,
        ),
        h(
          "details",
          { class: "history" },
          h("summary", {}, `History (${ro.history.length})`),
          h("ol", {}, ro.history.map((change) => h("li", {}, when(change.at), " — ", change.from ? `${STATUS_LABEL[change.from]} → ${STATUS_LABEL[change.to]}` : `opened as ${STATUS_LABEL[change.to]}`, change.note ? ` (${change.note})` : ""))),
        ),
      ),
    );
    shell.onScan((meaning) => {
      if (meaning.kind === "product_code") editor.scanPart(meaning.code);
      else if (meaning.kind === "part_number") editor.scanPart(meaning.part_number);
      else if (meaning.kind === "vin") void scannedVin(ro, meaning.vin);
      else return false;
      return true;
    });
    onKeys((e) => {
      if (payment?.onKey(e)) return true;
      if (messages.onKey(e)) return true;
      if (editor.onKey(e)) return true;
      if (e.altKey && e.key.toLowerCase() === "d") {
        e.preventDefault();
        shell.go({ screen: "diagnostics", number });
        return true;
      }
      if (e.key === "Escape" && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement)) {
        shell.go({ screen: "counter" });
        return true;
      }
      const index = /^F(\d+)$/.exec(e.key) ? Number(e.key.slice(1)) - 5 : -1;
      if (index >= 0 && index < moves.length) {
        e.preventDefault();
        move(moves[index]);
        return true;
      }
      return false;
    });
  }

  // another counter changed something: reload, unless someone is typing here
  shell.onSharedChange(() => {
    const typing = document.activeElement instanceof HTMLInputElement || document.activeElement instanceof HTMLTextAreaElement;
    if (!busy && !(typing && main.contains(document.activeElement))) void load();
  });
  mount(main, h("p", { class: "muted" }, `Opening repair order ${number}…`));
  load();
}
