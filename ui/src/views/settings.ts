// The shop's profile: name, address, rates, taxes, fees, registrations and logo.
import { api, describe, type FieldError, type ShopSettings, type SuppliesBasis } from "../api";
import { h, kbd, mount } from "../dom";
import { moneyInput, parseMoney, parseRate, rateInput } from "../format";
import type { Shell } from "../main";
import { loadWedgeOptions, saveWedgeOptions } from "../wedge";
import { cloudSettings } from "./cloud";
import { messagingSettings } from "./messaging";
import { field, input, showFieldErrors, submitting } from "./forms";

const MAX_LOGO_BYTES = 512 * 1024;

export function settingsView(main: HTMLElement, shell: Shell, onKeys: (f: (e: KeyboardEvent) => boolean) => void): void {
  mount(main, h("p", { class: "muted" }, "Loading settings…"));
  api
    .getSettings()
    .then((settings) => render(settings))
    .catch((e) => mount(main, h("p", { class: "error", role: "alert" }, describe(e))));

  function render(s: ShopSettings): void {
    let logo = s.logo_data_url;
    const text = (value: string, attrs: Record<string, string | number> = {}) => input({ value, ...attrs });
    const f = {
      name: text(s.name, { maxlength: 100 }),
      address_line1: text(s.address_line1),
      address_line2: text(s.address_line2),
      city: text(s.city),
      state: text(s.state, { maxlength: 2, placeholder: "CA", class: "short" }),
      postal_code: text(s.postal_code, { maxlength: 10, class: "short" }),
      phone: text(s.phone, { type: "tel" }),
      email: text(s.email, { type: "email" }),
      labor_rate: text(moneyInput(s.labor_rate), { inputmode: "decimal" }),
      parts_tax_rate: text(rateInput(s.parts_tax_rate), { inputmode: "decimal" }),
      labor_tax_rate: text(rateInput(s.labor_tax_rate), { inputmode: "decimal" }),
      supplies_rate: text(rateInput(s.shop_supplies.rate), { inputmode: "decimal" }),
      supplies_minimum: text(moneyInput(s.shop_supplies.minimum), { inputmode: "decimal" }),
      supplies_cap: text(s.shop_supplies.cap === null ? "" : moneyInput(s.shop_supplies.cap), { inputmode: "decimal", placeholder: "no cap" }),
      hazardous_waste: text(moneyInput(s.hazardous_waste.amount), { inputmode: "decimal" }),
      overage_rate: text(rateInput(s.overage.rate), { inputmode: "decimal" }),
      overage_flat: text(moneyInput(s.overage.flat), { inputmode: "decimal" }),
      overage_cap: text(s.overage.cap === null ? "" : moneyInput(s.overage.cap), { inputmode: "decimal", placeholder: "no cap" }),
      state_registration_number: text(s.state_registration_number),
      epa_id: text(s.epa_id),
    };
    const basis = h(
      "select",
      {},
      (["labor", "parts", "parts_and_labor"] as SuppliesBasis[]).map((b) =>
        h("option", { value: b, selected: b === s.shop_supplies.basis }, { labor: "Labor", parts: "Parts", parts_and_labor: "Parts and labor" }[b]),
      ),
    );
    const checkbox = (checked: boolean) => h("input", { type: "checkbox", checked });
    const suppliesTaxable = checkbox(s.shop_supplies.taxable);
    const hazardTaxable = checkbox(s.hazardous_waste.taxable);
    const logoPreview = h("img", { class: "logo-preview", alt: "Shop logo", hidden: !logo, src: logo ?? "" });
    const logoFile = h("input", { type: "file", accept: "image/png,image/jpeg" });
    const logoRemove = h("button", { type: "button", class: "secondary", hidden: !logo, onclick: () => setLogo(null) }, "Remove logo");
    const formError = h("p", { class: "error", role: "alert", hidden: true });
    const saveButton = h("button", { type: "submit", class: "primary big", id: "save-settings" }, "Save settings", kbd("Ctrl+S"));

    function setLogo(url: string | null): void {
      logo = url;
      logoPreview.hidden = !url;
      logoRemove.hidden = !url;
      logoPreview.src = url ?? "";
      if (!url) logoFile.value = "";
    }

    logoFile.addEventListener("change", () => {
      const file = logoFile.files?.[0];
      if (!file) return;
      if (file.size > MAX_LOGO_BYTES) {
        showFieldErrors(form, [{ field: "logo", message: `The logo is ${Math.round(file.size / 1024)} KB; use an image of at most 512 KB.` }]);
        return;
      }
      const reader = new FileReader();
      reader.onload = () => setLogo(String(reader.result));
      reader.readAsDataURL(file);
    });

    async function save(event?: Event): Promise<void> {
      event?.preventDefault();
      const errors: FieldError[] = [];
      const moneyOf = (el: HTMLInputElement, name: string): number => {
        const v = parseMoney(el.value || "0");
        if (v === null) errors.push({ field: name, message: `'${el.value}' is not an amount; write it like 145.00.` });
        return v ?? 0;
      };
      const rateOf = (el: HTMLInputElement, name: string): number => {
        const v = parseRate(el.value || "0");
        if (v === null) errors.push({ field: name, message: `'${el.value}' is not a percentage; write it like 8.25.` });
        return v ?? 0;
      };
      const next: ShopSettings = {
        ...s,
        name: f.name.value,
        address_line1: f.address_line1.value,
        address_line2: f.address_line2.value,
        city: f.city.value,
        state: f.state.value,
        postal_code: f.postal_code.value,
        phone: f.phone.value,
        email: f.email.value,
        logo_data_url: logo,
        labor_rate: moneyOf(f.labor_rate, "labor_rate"),
        parts_tax_rate: rateOf(f.parts_tax_rate, "parts_tax_rate"),
        labor_tax_rate: rateOf(f.labor_tax_rate, "labor_tax_rate"),
        shop_supplies: {
          rate: rateOf(f.supplies_rate, "shop_supplies.rate"),
          basis: basis.value as SuppliesBasis,
          minimum: moneyOf(f.supplies_minimum, "shop_supplies.minimum"),
          cap: f.supplies_cap.value.trim() === "" ? null : moneyOf(f.supplies_cap, "shop_supplies.cap"),
          taxable: suppliesTaxable.checked,
        },
        hazardous_waste: { amount: moneyOf(f.hazardous_waste, "hazardous_waste.amount"), taxable: hazardTaxable.checked },
        overage: {
          rate: rateOf(f.overage_rate, "overage.rate"),
          flat: moneyOf(f.overage_flat, "overage.flat"),
          cap: f.overage_cap.value.trim() === "" ? null : moneyOf(f.overage_cap, "overage.cap"),
        },
        state_registration_number: f.state_registration_number.value,
        epa_id: f.epa_id.value,
      };
      if (errors.length) {
        showFieldErrors(form, errors);
        return;
      }
      await submitting(form, saveButton, formError, async () => {
        const saved = await api.saveSettings(next);
        shell.setShop(saved);
        shell.toast("Settings saved.");
        render(saved);
      });
    }

    const form = h(
      "form",
      { class: "settings-form", id: "settings-form", onsubmit: save, novalidate: true },
      h("h1", {}, "Settings"),
      h(
        "div",
        { class: "columns" },
        h(
          "fieldset",
          {},
          h("legend", {}, "Shop"),
          field("Shop name", "name", f.name),
          field("Address", "address_line1", f.address_line1),
          field("Address line 2", "address_line2", f.address_line2),
          h("div", { class: "row three" }, field("City", "city", f.city), field("State", "state", f.state), field("ZIP", "postal_code", f.postal_code)),
          h("div", { class: "row" }, field("Phone", "phone", f.phone), field("Email", "email", f.email)),
          h("div", { class: "field", "data-field": "logo" }, h("label", {}, "Logo (PNG or JPEG, up to 512 KB)"), h("div", { class: "logo-row" }, logoPreview, logoFile, logoRemove), h("small", { class: "field-error", role: "alert" })),
        ),
        h(
          "fieldset",
          {},
          h("legend", {}, "Rates, taxes and fees"),
          h("div", { class: "row three" }, field("Labor rate ($/h)", "labor_rate", f.labor_rate), field("Parts tax (%)", "parts_tax_rate", f.parts_tax_rate), field("Labor tax (%)", "labor_tax_rate", f.labor_tax_rate)),
          h("div", { class: "row three" }, field("Shop supplies (%)", "shop_supplies.rate", f.supplies_rate), field("of", "shop_supplies.basis", basis), field("Minimum ($)", "shop_supplies.minimum", f.supplies_minimum)),
          h("div", { class: "row three" }, field("Cap ($)", "shop_supplies.cap", f.supplies_cap), h("label", { class: "check" }, suppliesTaxable, " Supplies taxable"), h("span", {})),
          h("div", { class: "row three" }, field("Hazardous waste fee ($)", "hazardous_waste.amount", f.hazardous_waste), h("label", { class: "check" }, hazardTaxable, " Fee taxable"), h("span", {})),
          h("div", { class: "row three" }, field("Overage allowed (%)", "overage.rate", f.overage_rate, "0 in California"), field("or ($)", "overage.flat", f.overage_flat, "whichever is more"), field("at most ($)", "overage.cap", f.overage_cap)),
          h("div", { class: "row" }, field("State registration no.", "state_registration_number", f.state_registration_number, "e.g. California BAR ARD number"), field("EPA ID", "epa_id", f.epa_id)),
        ),
      ),
      cloudSettings(shell),
      messagingSettings(shell),
      gunSettings(shell),
      formError,
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => shell.go({ screen: "counter" }) }, "Back", kbd("Esc")), saveButton),
    );
    mount(main, form);
    onKeys((e) => {
      if (e.key.toLowerCase() === "s" && (e.ctrlKey || e.metaKey)) {
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
    f.name.focus();
  }
}

/** This PC's barcode-gun thresholds, kept on this PC (each counter has its own gun). */
function gunSettings(shell: Shell): HTMLElement {
  const options = loadWedgeOptions();
  const gap = input({ value: options.maxAverageGapMs, inputmode: "numeric" });
  const length = input({ value: options.minLength, inputmode: "numeric" });
  const save = () => {
    const maxAverageGapMs = Number(gap.value);
    const minLength = Number(length.value);
    if (!Number.isInteger(maxAverageGapMs) || maxAverageGapMs < 5 || maxAverageGapMs > 100 || !Number.isInteger(minLength) || minLength < 3 || minLength > 30) {
      shell.toast("Keep the gap between 5 and 100 ms and the shortest scan between 3 and 30 characters.");
      return;
    }
    saveWedgeOptions({ maxAverageGapMs, maxGapMs: maxAverageGapMs * 2, minLength });
    shell.toast("Barcode gun settings saved on this PC.");
  };
  gap.addEventListener("change", save);
  length.addEventListener("change", save);
  return h(
    "fieldset",
    { class: "this-pc" },
    h("legend", {}, "This PC: barcode gun"),
    h(
      "div",
      { class: "row three" },
      field("Fastest typing (ms between keys)", "wedge.gap", gap, "Faster than this is a gun"),
      field("Shortest scan (characters)", "wedge.length", length),
      h("span", {}),
    ),
  );
}
