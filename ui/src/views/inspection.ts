// The digital vehicle inspection on a repair order, made for a technician's touch screen: each
// item a row with big green / yellow / red buttons, its readings (a reading past its limit
// colours the item) and a note; then the yellow and red items' repairs onto the estimate.
import { api, describe, type Inspection, type InspectionItem, type PhotoView, type RepairOrder } from "../api";
import { h, mount } from "../dom";
import { acceptDrops, photoStrip } from "./photos";

const COLOURS = ["green", "yellow", "red"] as const;

/** `changed` is called with the order after repairs went onto its estimate. */
export function inspectionPanel(number: number, changed: (ro: RepairOrder) => void): HTMLElement {
  const element = h("details", { class: "inspection", id: "inspection-panel" });
  const summary = h("summary", {}, "Inspection");
  const status = h("p", { class: "inspection-status", role: "status" });
  const body = h("div", {});
  let opened = false;
  let photos: PhotoView[] = [];
  let shown: Inspection | null = null;

  function problem(text: string): void {
    status.textContent = text;
    status.className = "inspection-status error";
  }

  async function photosChanged(): Promise<void> {
    photos = await api.photos(number).catch(() => photos);
    if (shown) render(shown);
  }

  function counts(i: Inspection): string {
    return `Inspection — ${i.red} red · ${i.yellow} yellow · ${i.green} green · ${i.unchecked} not checked`;
  }

  async function save(item: InspectionItem, colour: string | null, note: string | null, readings: Record<string, number>): Promise<void> {
    try {
      render(await api.inspectItem(number, item.key, colour, note, readings));
      status.textContent = "";
    } catch (e) {
      status.textContent = describe(e);
      status.className = "inspection-status error";
    }
  }

  function row(item: InspectionItem): HTMLElement {
    const note = h("input", { type: "text", value: item.note, placeholder: "Note", "aria-label": `${item.label} note` }) as HTMLInputElement;
    note.addEventListener("change", () => void save(item, null, note.value, {}));
    const readings = item.measures.map((m) => {
      const input = h("input", {
        type: "number",
        inputmode: "decimal",
        min: 0,
        step: "any",
        value: item.measurements[m.key] ?? "",
        "aria-label": `${item.label}: ${m.label} (${m.unit})`,
        "data-measure": m.key,
      }) as HTMLInputElement;
      input.addEventListener("change", () => {
        const value = Number(input.value);
        if (input.value !== "" && Number.isFinite(value)) void save(item, null, null, { [m.key]: value });
      });
      return h("label", { class: "reading" }, m.label, " ", input, ` ${m.unit}`);
    });
    const li = h(
      "li",
      { class: `inspection-item ${item.status ?? "unchecked"}`, "data-item": item.key },
      h("span", { class: "item-label" }, item.label, item.on_estimate ? h("small", { class: "muted" }, " · on the estimate") : null),
      h(
        "span",
        { class: "colours", role: "group", "aria-label": `${item.label} condition` },
        ...COLOURS.map((c) =>
          h("button", { type: "button", class: `colour ${c}`, "aria-pressed": item.status === c ? "true" : "false", onclick: () => void save(item, c, null, {}) }, c),
        ),
      ),
      h("span", { class: "readings" }, ...readings),
      note,
      photoStrip(number, item.key, item.label, photos, () => void photosChanged(), problem),
    );
    acceptDrops(li, number, item.key, () => void photosChanged(), problem);
    return li;
  }

  function render(inspection: Inspection): void {
    shown = inspection;
    summary.textContent = counts(inspection);
    const pending = inspection.sections.flatMap((s) => s.items).filter((i) => (i.status === "red" || i.status === "yellow") && i.repair && !i.on_estimate);
    const recommend = h(
      "button",
      { type: "button", class: "primary", id: "recommend-repairs", disabled: pending.length === 0 },
      pending.length ? `Add ${pending.length} repair${pending.length === 1 ? "" : "s"} to the estimate` : "No repairs to add",
    );
    recommend.addEventListener("click", async () => {
      try {
        changed(await api.recommendRepairs(number));
      } catch (e) {
        status.textContent = describe(e);
        status.className = "inspection-status error";
      }
    });
    mount(
      body,
      ...inspection.sections.map((s) => h("section", {}, h("h3", {}, s.name), h("ol", {}, ...s.items.map(row)))),
      h("div", { class: "actions" }, recommend),
    );
  }

  async function load(): Promise<void> {
    try {
      photos = await api.photos(number);
      render(await api.inspection(number));
    } catch (e) {
      mount(body, h("p", { class: "error" }, describe(e)));
    }
  }

  element.addEventListener("toggle", () => {
    if (element.open && !opened) {
      opened = true;
      void load();
    }
  });
  mount(element, summary, status, body);
  // the counts show on the closed panel too
  void api.inspection(number).then((i) => (summary.textContent = counts(i))).catch(() => undefined);
  return element;
}
