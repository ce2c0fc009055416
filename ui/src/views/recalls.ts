// Open safety recalls (NHTSA) of the vehicle: on the new repair order as soon as the vehicle is
// known, and on the repair order (kept with it). "Park it" / "park outside" recalls stand out in
// red and come first; a zero result says what was asked ("No recalls found for 2021 BMW 330I").
import { api, describe, type RecallCheck } from "../api";
import { h, mount } from "../dom";

/** The check as a card. */
export function recallsCard(check: RecallCheck): HTMLElement {
  const urgent = check.recalls.some((r) => r.park_it || r.park_outside);
  const tone = urgent ? "danger" : check.recalls.length ? "warn" : "ok";
  return h(
    "div",
    { class: `recalls recalls-${tone}`, "data-recalls": check.recalls.length },
    h("strong", { class: "recalls-summary" }, check.summary),
    check.recalls.length
      ? h(
          "ul",
          {},
          ...check.recalls.map((r) =>
            h(
              "li",
              { class: r.park_it || r.park_outside ? "urgent" : "", "data-campaign": r.campaign },
              r.park_it ? h("span", { class: "badge danger" }, "PARK IT — do not drive") : null,
              r.park_outside ? h("span", { class: "badge danger" }, "PARK OUTSIDE — fire risk") : null,
              h("details", {},
                h("summary", {}, h("span", { class: "mono" }, r.campaign), ` ${r.component}`, r.reported ? h("small", { class: "muted" }, ` · ${r.reported}`) : null),
                r.summary ? h("p", {}, r.summary) : null,
                r.consequence ? h("p", {}, h("strong", {}, "Risk: "), r.consequence) : null,
                r.remedy ? h("p", {}, h("strong", {}, "Remedy: "), r.remedy) : null,
              ),
            ),
          ),
        )
      : null,
    check.recalls.length ? h("p", { class: "muted" }, "Recall repairs are free at the brand's dealer.") : null,
  );
}

/** Looks up the recalls of a year, make and model into `box` (the new repair order). */
export async function showRecallsFor(box: HTMLElement, year: number, make: string, model: string): Promise<void> {
  box.hidden = false;
  mount(box, h("p", { class: "muted" }, "Checking safety recalls with NHTSA…"));
  try {
    mount(box, recallsCard(await api.vehicleRecalls(year, make, model)));
  } catch (e) {
    mount(box, h("p", { class: "muted" }, `Safety recalls could not be checked: ${describe(e)}`));
  }
}

/** The repair order's recall panel: the check kept with it, and "Check again". */
export function recallsPanel(number: number): HTMLElement {
  const body = h("div", {}, h("p", { class: "muted" }, "Checking safety recalls…"));
  const again = h("button", { type: "button", class: "secondary small", id: "recalls-again" }, "Check again");
  async function load(refresh: boolean): Promise<void> {
    try {
      const check = await api.orderRecalls(number, refresh);
      mount(body, check ? recallsCard(check) : h("p", { class: "muted" }, "Add the vehicle's year, make and model (or its VIN) to check safety recalls."));
    } catch (e) {
      mount(body, h("p", { class: "muted" }, `Safety recalls could not be checked: ${describe(e)}`));
    }
  }
  again.addEventListener("click", () => void load(true));
  void load(false);
  return h("section", { class: "card recalls-panel", id: "recalls-panel" }, h("div", { class: "row-head" }, h("h2", {}, "Safety recalls"), again), body);
}
