// A new repair order: the customer, the vehicle and their concern, on one screen.
import { api, CommandFailure, describe, type ContactMethod, type DecodedVin } from "../api";
import { h, kbd, mount } from "../dom";
import type { Shell } from "../main";
import { field, input, showFieldErrors, submitting } from "./forms";

export function newRepairOrderView(main: HTMLElement, shell: Shell, onKeys: (f: (e: KeyboardEvent) => boolean) => void): void {
  const name = input({ maxlength: 100, autocomplete: "off" });
  const phone = input({ type: "tel", placeholder: "(555) 234-5678" });
  const email = input({ type: "email", placeholder: "name@example.com" });
  const contact = h(
    "select",
    {},
    h("option", { value: "call" }, "Phone call"),
    h("option", { value: "text" }, "Text message"),
    h("option", { value: "email" }, "Email"),
  );
  const consent = h("input", { type: "checkbox", id: "f-customer-sms_consent" });
  const vin = input({ maxlength: 20, placeholder: "17 characters", class: "mono", spellcheck: "false" });
  const year = input({ inputmode: "numeric", maxlength: 4, placeholder: "YYYY" });
  const make = input({ maxlength: 40 });
  const model = input({ maxlength: 60 });
  const plate = input({ maxlength: 12, class: "mono" });
  const odometer = input({ inputmode: "numeric", placeholder: "miles" });
  const concern = h("textarea", { rows: 3, maxlength: 2000, placeholder: "In the customer's words, e.g. grinding noise when braking" });
  const formError = h("p", { class: "error", role: "alert", hidden: true });
  const decoded = h("p", { class: "decoded", id: "vin-decoded", hidden: true });
  const decodeButton = h("button", { type: "button", class: "secondary", id: "decode-vin", onclick: () => decode() }, "Decode", kbd("F3"));

  // Fills year, make and model from the VIN and says where the answer came from.
  async function decode(): Promise<void> {
    if (!vin.value.trim()) {
      showFieldErrors(form, [{ field: "vehicle.vin", message: "Type or scan the VIN first." }]);
      return;
    }
    decodeButton.disabled = true;
    decoded.hidden = false;
    decoded.className = "decoded muted";
    decoded.textContent = "Decoding with NHTSA vPIC…";
    try {
      const result = await api.decodeVin(vin.value);
      showDecoded(result);
    } catch (e) {
      if (e instanceof CommandFailure && e.error.fields.length) {
        decoded.hidden = true;
        showFieldErrors(form, e.error.fields);
        return;
      }
      decoded.className = "decoded error";
      decoded.textContent = `${describe(e)} Enter year, make and model by hand.`;
    } finally {
      decodeButton.disabled = false;
    }
  }

  function showDecoded({ info, source, warnings }: DecodedVin): void {
    if (info.model_year !== null) year.value = String(info.model_year);
    if (info.make) make.value = info.make;
    if (info.model) model.value = info.model;
    const facts = [info.trim, info.engine, info.fuel, info.drive].filter(Boolean).join(" · ");
    const from =
      source.kind === "live" ? "from NHTSA vPIC" :
      source.kind === "cache" ? "from NHTSA vPIC (saved answer)" :
      source.kind === "stale_cache" ? `vPIC is unreachable: saved answer from ${new Date(source.stored_at).toLocaleDateString("en-US")}` :
      `vPIC is unreachable: ${source.name}`;
    const vpicWarning = info.error_codes.some((c) => c !== 0) && info.error_text ? [info.error_text] : [];
    const warning = [...warnings, ...vpicWarning].map((w) => ` — ${w}`).join("");
    decoded.className = warning ? "decoded warn" : "decoded ok";
    decoded.textContent = `${[info.model_year, info.make, info.model].filter(Boolean).join(" ")}${facts ? ` · ${facts}` : ""} (${from})${warning}`;
  }
  const submit = h("button", { type: "submit", class: "primary big", id: "create-ro" }, "Open repair order", kbd("Ctrl+Enter"));

  // Numbers the store checks (year, odometer) are sent as typed numbers; text that is not a number
  // is reported here, in the same place the store's own errors appear.
  function number(control: HTMLInputElement, fieldName: string, label: string, errors: { field: string; message: string }[]): number | null {
    const text = control.value.replace(/[,\s]/g, "");
    if (text === "") return null;
    if (!/^-?\d+$/.test(text)) {
      errors.push({ field: fieldName, message: `The ${label} must be a whole number.` });
      return null;
    }
    return Number(text);
  }

  async function save(event?: Event): Promise<void> {
    event?.preventDefault();
    const errors: { field: string; message: string }[] = [];
    const yearValue = number(year, "vehicle.year", "year", errors);
    const odometerValue = number(odometer, "vehicle.odometer", "odometer", errors);
    if (errors.length) {
      showFieldErrors(form, errors);
      return;
    }
    await submitting(form, submit, formError, async () => {
      const ro = await api.createRepairOrder({
        customer: {
          name: name.value,
          phone: phone.value,
          email: email.value,
          preferred_contact: contact.value as ContactMethod,
          sms_consent: consent.checked,
        },
        vehicle: { vin: vin.value, year: yearValue, make: make.value, model: model.value, plate: plate.value, odometer: odometerValue },
        concern: concern.value,
      });
      shell.toast(`Repair order ${ro.number} opened for ${ro.customer.name}.`);
      shell.go({ screen: "repairOrder", number: ro.number });
    });
  }

  const form = h(
    "form",
    { class: "ro-form", id: "new-ro-form", onsubmit: save, novalidate: true },
    h("h1", {}, "New repair order"),
    h(
      "div",
      { class: "columns" },
      h(
        "fieldset",
        {},
        h("legend", {}, "Customer"),
        field("Name", "customer.name", name),
        h("div", { class: "row" }, field("Phone", "customer.phone", phone), field("Email", "customer.email", email)),
        h(
          "div",
          { class: "row" },
          field("Preferred contact", "customer.preferred_contact", contact),
          h(
            "div",
            { class: "field check", "data-field": "customer.sms_consent" },
            h("label", { for: "f-customer-sms_consent" }, consent, " Agrees to receive texts"),
            h("small", { class: "field-error", role: "alert" }),
          ),
        ),
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, "Vehicle"),
        h("div", { class: "with-action" }, field("VIN", "vehicle.vin", vin), decodeButton),
        decoded,
        h("div", { class: "row three" }, field("Year", "vehicle.year", year), field("Make", "vehicle.make", make), field("Model", "vehicle.model", model)),
        h("div", { class: "row" }, field("Plate", "vehicle.plate", plate), field("Odometer", "vehicle.odometer", odometer)),
      ),
    ),
    field("Concern", "concern", concern),
    formError,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: () => shell.go({ screen: "counter" }) }, "Cancel", kbd("Esc")),
      submit,
    ),
  );
  mount(main, form);
  onKeys((e) => {
    if (e.key === "F3") {
      e.preventDefault();
      decode();
      return true;
    }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      save();
      return true;
    }
    if (e.key === "Escape") {
      shell.go({ screen: "counter" });
      return true;
    }
    return false;
  });
  name.focus();
}
