// A new repair order: the customer, the vehicle and their concern, on one screen.
import { showRecallsFor } from "./recalls";
import { api, CommandFailure, describe, type ContactMethod, type DecodedVin } from "../api";
import { openCamera, type CameraRead } from "../camera";
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
  const decoded = h("div", { class: "decoded", id: "vin-decoded", hidden: true });
  const recalls = h("div", { id: "new-ro-recalls", hidden: true });
  const vinHint = h("div", { class: "vin-hint", id: "vin-hint" });
  const makeList = h("datalist", { id: "make-options" });
  const modelList = h("datalist", { id: "model-options" });
  make.setAttribute("list", "make-options");
  model.setAttribute("list", "model-options");
  let vinTimer = 0;

  // Live validation: once 17 characters are in, say what the VIN says, or what is wrong and
  // the likely intended VIN (one click to take it).
  vin.addEventListener("input", () => {
    window.clearTimeout(vinTimer);
    vinHint.replaceChildren();
    if (vin.value.replace(/[\s-]/g, "").length < 17) return;
    vinTimer = window.setTimeout(checkVin, 250);
  });

  async function checkVin(): Promise<void> {
    const result = await api.checkVin(vin.value);
    if (result.status === "ok") {
      const c = result.data;
      const years = c.model_years.length ? `model year ${c.model_years.join(" or ")}` : "model year unknown";
      mount(vinHint, h("span", { class: "ok" }, `✓ ${c.wmi} · ${c.region} · ${years}`), ...c.warnings.map((w) => h("span", { class: "warn" }, w)));
      if (!year.value && c.model_years.length === 1) year.value = String(c.model_years[0]);
      return;
    }
    const problem = result.error;
    mount(
      vinHint,
      h("span", { class: "error" }, problem.message),
      ...problem.suggestions.slice(0, 3).map((s) =>
        h("button", { type: "button", class: "suggestion", "data-vin": s, onclick: () => { vin.value = s; vin.dispatchEvent(new Event("input")); } }, `Use ${s}`),
      ),
    );
  }

  // Pick lists for year → make → model when there is no VIN to decode (from vPIC, cached).
  let makesLoaded = false;
  make.addEventListener("focus", async () => {
    if (makesLoaded) return;
    makesLoaded = true;
    try {
      mount(makeList, ...(await api.vehicleMakes()).map((name) => h("option", { value: name })));
    } catch {
      makesLoaded = false; // offline: free text still works
    }
  });
  model.addEventListener("focus", async () => {
    const y = Number(year.value);
    if (!make.value.trim() || !Number.isInteger(y) || y < 1981) return;
    try {
      mount(modelList, ...(await api.vehicleModels(make.value.trim(), y)).map((name) => h("option", { value: name })));
    } catch {
      modelList.replaceChildren();
    }
  });
  const decodeButton = h("button", { type: "button", class: "secondary", id: "decode-vin", onclick: () => decode() }, "Decode", kbd("F3"));
  // a photo of a VIN with no barcode (windshield plate, registration card): read by OCR
  const ocrStatus = h("div", { id: "ocr-vin", class: "muted", hidden: true, role: "status" });
  const photoPicker = h("input", { type: "file", accept: "image/jpeg,image/png", hidden: true, id: "ocr-vin-file" }) as HTMLInputElement;
  function useVin(text: string): void {
    vin.value = text;
    vin.dispatchEvent(new Event("input"));
    void decode();
  }
  photoPicker.addEventListener("change", async () => {
    const file = photoPicker.files?.[0];
    if (!file) return;
    ocrStatus.hidden = false;
    ocrStatus.textContent = `Reading the VIN in ${file.name}…`;
    try {
      const data = await new Promise<string>((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
        reader.onerror = () => reject(reader.error);
        reader.readAsDataURL(file);
      });
      const read = await api.ocrVin(data, null);
      if (read.vin) {
        ocrStatus.textContent = `Read from the photo (${Math.round((read.confidence ?? 0) * 100)} % sure): check it against the car.`;
        useVin(read.vin);
      } else if (read.candidates.length) {
        mount(
          ocrStatus,
          h("span", {}, "Not sure which — pick the VIN on the photo: "),
          ...read.candidates.map((c) => h("button", { type: "button", class: "suggestion mono", "data-vin": c, onclick: () => { ocrStatus.hidden = true; useVin(c); } }, c)),
        );
      } else {
        ocrStatus.textContent = "No VIN found in the photo. Take it closer and straight on, or type the VIN.";
      }
    } catch (e) {
      ocrStatus.textContent = describe(e);
    } finally {
      photoPicker.value = "";
    }
  });
  const photoButton = h("button", { type: "button", class: "secondary", id: "photo-vin", title: "Read the VIN from a photo (plate, registration card)", onclick: () => photoPicker.click() }, "Photo");
  const cameraButton = h("button", { type: "button", class: "secondary", id: "camera-vin", title: "Scan the VIN label with the camera (F7)", onclick: () => openCamera("vin", cameraRead) }, "Camera", kbd("F7"));
  // a barcode is routed like the gun's; text read off a plate says how sure, to be checked
  function cameraRead(text: string, read: CameraRead): void {
    if (read.source === "ocr") {
      ocrStatus.hidden = false;
      ocrStatus.textContent = `Read from the plate's text (${Math.round((read.confidence ?? 0) * 100)} % sure): check it against the car.`;
    }
    void shell.scanned(text, read.source, read.confidence);
  }

  // Fills year, make and model from the VIN and says where the answer came from.
  async function decode(): Promise<void> {
    if (!vin.value.trim()) {
      showFieldErrors(form, [{ field: "vehicle.vin", message: "Type or scan the VIN first." }]);
      return;
    }
    decodeButton.disabled = true;
    decoded.hidden = false;
    decoded.className = "decoded card muted";
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
      decoded.className = "decoded card error";
      decoded.textContent = `${describe(e)} Enter year, make and model by hand.`;
    } finally {
      decodeButton.disabled = false;
    }
  }

  function showDecoded({ info, source, warnings }: DecodedVin): void {
    if (info.model_year !== null) year.value = String(info.model_year);
    if (info.make) make.value = info.make;
    if (info.model) model.value = info.model;
    const facts = [info.body_class, info.engine, info.fuel, info.drive].filter(Boolean).join(" · ");
    const from =
      source.kind === "live" ? "NHTSA vPIC" :
      source.kind === "cache" ? "NHTSA vPIC (saved answer)" :
      source.kind === "stale_cache" ? `saved vPIC answer from ${new Date(source.stored_at).toLocaleDateString("en-US")} — vPIC unreachable` :
      `${source.name} — vPIC unreachable`;
    const vpicWarning = info.error_codes.some((c) => c !== 0) && info.error_text ? [info.error_text] : [];
    const partial = info.partial
      ? [`Only what the VIN itself says (${[info.vehicle_type, info.plant_country].filter(Boolean).join(", ")}): enter the model by hand.`]
      : [];
    const notes = [...warnings, ...vpicWarning, ...partial];
    decoded.className = `decoded card source-${source.kind}`;
    mount(
      decoded,
      h("strong", { class: "decoded-title" }, [info.model_year, info.make, info.model, info.trim].filter(Boolean).join(" ")),
      ...(facts ? [h("div", {}, facts)] : []),
      ...notes.map((n) => h("div", { class: "warn" }, n)),
      h("div", { class: "decoded-source" }, `Source: ${from}`),
    );
    // the vehicle is known: its open safety recalls, before the order is even opened
    if (info.model_year !== null && info.make && info.model) void showRecallsFor(recalls, info.model_year, info.make, info.model);
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
        h("div", { class: "with-action" }, field("VIN", "vehicle.vin", vin), decodeButton, cameraButton, photoButton, photoPicker),
        ocrStatus,
        vinHint,
        decoded,
        recalls,
        makeList,
        modelList,
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
  // A VIN scanned anywhere on this screen fills the VIN and decodes it.
  shell.onScan((meaning) => {
    if (meaning.kind !== "vin" && meaning.kind !== "bad_vin") return false;
    vin.value = meaning.kind === "vin" ? meaning.vin : meaning.text;
    vin.dispatchEvent(new Event("input"));
    if (meaning.kind === "vin") void decode();
    return true;
  });
  onKeys((e) => {
    if (e.key === "F3") {
      e.preventDefault();
      decode();
      return true;
    }
    if (e.key === "F7") {
      e.preventDefault();
      cameraButton.click();
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
