// A new repair order: the customer, the vehicle and their concern, on one screen.
import { api, type ContactMethod } from "../api";
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
        field("VIN", "vehicle.vin", vin),
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
