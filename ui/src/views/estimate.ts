// The estimate editor inside a repair order: lines with their details, the shop's fees, parts
// priced from the suppliers, canned jobs, the customer's authorization and the printed PDF.
// Keyboard first: Alt+L labor, Alt+P find a part, Alt+A authorize, Ctrl+P preview the PDF.
import {
  api,
  CommandFailure,
  describe,
  type LineKind,
  type NewAuthorization,
  type NewLine,
  type PartCondition,
  type PartOffer,
  type PricedPart,
  type RepairOrder,
  type Tier,
} from "../api";
import { openCamera } from "../camera";
import { h, kbd } from "../dom";
import { money, moneyInput, parseMoney, parseQuantity, phone, searchKind } from "../format";
import type { Shell } from "../main";
import { field, input } from "./forms";
import { STATUS_LABEL } from "./status";

const METHOD_TEXT: Record<string, string> = { in_person: "in person", phone: "by phone", text: "by text", online: "online from the link" };
const KIND_LABEL: Record<LineKind, string> = { labor: "Labor", part: "Part", fee: "Fee", sublet: "Sublet", discount: "Discount" };
const CONDITIONS: PartCondition[] = ["new", "oem", "aftermarket", "rebuilt", "reconditioned", "used"];
const CONDITION_LABEL: Record<PartCondition, string> = { new: "New", oem: "OEM", aftermarket: "Aftermarket", rebuilt: "Rebuilt", reconditioned: "Reconditioned", used: "Used" };

function quantityText(milli: number): string {
  return String(milli / 1000);
}

export interface EstimateEditor {
  element: HTMLElement;
  onKey(e: KeyboardEvent): boolean;
  /** A scanned product code or part number: priced and, when it names one part, added. */
  scanPart(code: string): void;
}

/** The editor for `ro`; every change comes back as the updated order through `changed`. */
export function estimateEditor(ro: RepairOrder, shell: Shell, changed: (ro: RepairOrder) => void): EstimateEditor {
  const editable = ["estimate", "approved", "in_progress", "completed"].includes(ro.status);
  const lockedText = `The estimate can no longer change: the order is ${STATUS_LABEL[ro.status].toLowerCase()}.`;
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const show = (text: string | null) => {
    message.textContent = text ?? "";
    message.hidden = !text;
  };

  // ---- the customer's OK, asked for when a change needs it ----
  const authorizationBox = h("div", { class: "authorization card", hidden: true });
  let pending: ((auth: NewAuthorization) => Promise<RepairOrder>) | null = null;

  function askAuthorization(why: string, then: (auth: NewAuthorization) => Promise<RepairOrder>): void {
    pending = then;
    const method = h("select", {}, h("option", { value: "in_person" }, "In person (signed)"), h("option", { value: "phone" }, "By phone"), h("option", { value: "text" }, "By text message"));
    const name = input({ value: ro.customer.name });
    const number = input({ value: phone(ro.customer.phone) });
    const amount = input({ placeholder: "the new total", inputmode: "decimal" });
    const note = input({});
    const save = h("button", { class: "primary", id: "auth-save", type: "submit" }, "Record authorization", kbd("Enter"));
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const form = h(
      "form",
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const typed = amount.value.trim();
          const cents = typed ? parseMoney(typed) : null;
          if (typed && cents === null) {
            error.textContent = "Write the authorized amount like 350.00, or leave it empty for the new total.";
            error.hidden = false;
            return;
          }
          save.disabled = true;
          try {
            const auth: NewAuthorization = { method: method.value as NewAuthorization["method"], authorized_by: name.value, phone: number.value, amount: cents, note: note.value };
            const updated = await pending!(auth);
            authorizationBox.hidden = true;
            shell.toast("Authorization recorded.");
            changed(updated);
          } catch (err) {
            error.textContent = describe(err);
            error.hidden = false;
          } finally {
            save.disabled = false;
          }
        },
      },
      h("p", { class: "why" }, why),
      h("div", { class: "row three" }, field("How", "authorization.method", method), field("Who authorized", "authorization.authorized_by", name), field("Their phone", "authorization.phone", number, "Needed for phone and text")),
      h("div", { class: "row" }, field("Amount authorized", "authorization.amount", amount, "Empty: the estimate's total"), field("Note", "authorization.note", note)),
      error,
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => (authorizationBox.hidden = true) }, "Not now"), save),
    );
    authorizationBox.replaceChildren(h("h3", {}, "Customer authorization"), form);
    authorizationBox.hidden = false;
    name.focus();
  }

  /** Adds lines; when the total passes what was authorized, asks for the customer's OK first. */
  async function addLines(lines: NewLine[]): Promise<boolean> {
    show(null);
    try {
      changed(await api.addEstimateLines(ro.number, lines, null));
      return true;
    } catch (e) {
      if (e instanceof CommandFailure && e.error.kind === "authorization_required") {
        askAuthorization(e.error.message, (auth) => api.addEstimateLines(ro.number, lines, auth));
      } else {
        show(describe(e));
      }
      return false;
    }
  }

  // ---- lines ----
  const rows = ro.lines.map((l) => {
    const details: string[] = [];
    if (l.part) details.push(...[l.part.part_number ? `Part no. ${l.part.part_number}` : null, l.part.brand, l.part.supplier].filter((d): d is string => Boolean(d)));
    if (l.part && l.part.core_charge > 0) details.push(`core ${money(l.part.core_charge)} each`);
    if (l.technician) details.push(`Tech ${l.technician}`);
    // declined and proposed work stays on the order but counts in no total
    const decision = l.declined
      ? h("span", { class: "badge line-declined", title: "The customer declined it; counts in no total" }, "declined")
      : l.proposed
        ? h("span", { class: "badge line-proposed", title: "Found during the job; counts once the customer approves it" }, "waiting for approval")
        : null;
    return h(
      "tr",
      { "data-line": l.id, class: l.declined || l.proposed ? "line-not-counted" : "" },
      h("td", {}, KIND_LABEL[l.kind]),
      h("td", {}, l.description, decision ? [" ", decision] : null, details.length ? h("div", { class: "line-details" }, details.join(" · ")) : null),
      h("td", {}, l.part ? CONDITION_LABEL[l.part.condition] : ""),
      h("td", { class: "num" }, l.kind === "labor" ? `${quantityText(l.quantity_milli)} h` : quantityText(l.quantity_milli)),
      h("td", { class: "num" }, money(l.unit_price)),
      h("td", { class: "num" }, money(l.amount), l.taxable ? h("span", { class: "tax-mark", title: "taxable" }, " T") : null),
      h(
        "td",
        {},
        editable
          ? h("button", { class: "icon", title: `Remove "${l.description}"`, "aria-label": `Remove ${l.description}`, onclick: async () => {
              try {
                changed(await api.removeEstimateLine(ro.number, l.id));
              } catch (e) {
                show(describe(e));
              }
            } }, "✕")
          : null,
      ),
    );
  });
  const feeRows = ro.shop_fees.map((f) => h("tr", { class: "shop-fee" }, h("td", {}, "Fee"), h("td", {}, f.description), h("td", {}), h("td", {}), h("td", {}), h("td", { class: "num" }, money(f.amount), f.taxable ? h("span", { class: "tax-mark" }, " T") : null), h("td", {})));
  const table = h(
    "table",
    { class: "estimate-lines" },
    h("thead", {}, h("tr", {}, h("th", {}, "Type"), h("th", {}, "Description"), h("th", {}, "Condition"), h("th", { class: "num" }, "Qty / hrs"), h("th", { class: "num" }, "Unit"), h("th", { class: "num" }, "Amount"), h("th", {}))),
    h("tbody", {}, rows, feeRows),
  );

  // ---- add a line by hand ----
  const kind = h("select", {}, (Object.keys(KIND_LABEL) as LineKind[]).map((k) => h("option", { value: k }, KIND_LABEL[k])));
  const description = input({ placeholder: "e.g. Replace front brake pads" });
  const quantity = input({ value: "1", inputmode: "decimal" });
  const price = input({ inputmode: "decimal" });
  const taxable = h("input", { type: "checkbox", id: "line-taxable" });
  const partNumber = input({});
  const brand = input({});
  const condition = h("select", {}, CONDITIONS.map((c) => h("option", { value: c }, CONDITION_LABEL[c])));
  const core = input({ inputmode: "decimal", placeholder: "0.00" });
  const technician = input({});
  const preview = h("span", { class: "line-preview muted", "aria-live": "polite" });
  const partFields = h("div", { class: "row four part-only" }, field("Part number", "line.part_number", partNumber), field("Brand", "line.brand", brand), field("Condition", "line.condition", condition), field("Core charge", "line.core_charge", core));
  const laborFields = h("div", { class: "row four labor-only" }, field("Technician", "line.technician", technician));

  function kindChanged(): void {
    const k = kind.value as LineKind;
    partFields.hidden = k !== "part";
    laborFields.hidden = k !== "labor";
    const shop = shell.shop;
    if (k === "labor" && shop && !price.value) price.value = moneyInput(shop.labor_rate);
    // the default of LineKind::taxed_by_default in the shop crate
    taxable.checked = k === "part" || k === "fee" || (k === "labor" && (shop?.labor_tax_rate ?? 0) > 0);
    updatePreview();
  }
  function updatePreview(): void {
    const q = parseQuantity(quantity.value);
    const p = parseMoney(price.value);
    const c = kind.value === "part" ? parseMoney(core.value || "0") ?? 0 : 0;
    preview.textContent = q !== null && p !== null ? `= ${money(Math.round((q * (p + c)) / 1000) * (kind.value === "discount" ? -1 : 1))}` : "";
  }
  kind.addEventListener("change", kindChanged);
  for (const el of [quantity, price, core]) el.addEventListener("input", updatePreview);

  const addButton = h("button", { class: "primary", id: "line-add", type: "submit" }, "Add line", kbd("Enter"));
  const lineForm = h(
    "form",
    {
      class: "line-form",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const q = parseQuantity(quantity.value);
        const p = parseMoney(price.value);
        const c = parseMoney(core.value || "0");
        if (!description.value.trim()) return show("Describe the line, e.g. \"Replace front brake pads\".");
        if (q === null) return show(`"${quantity.value}" is not a quantity; write it like 1 or 1.5.`);
        if (p === null) return show(`"${price.value}" is not a price; write it like 69.99.`);
        if (c === null) return show(`"${core.value}" is not a core charge; write it like 15.00.`);
        const k = kind.value as LineKind;
        const line: NewLine = {
          kind: k,
          description: description.value,
          quantity_milli: q,
          unit_price: p,
          taxable: taxable.checked,
          part: k === "part" ? { part_number: partNumber.value || null, brand: brand.value || null, supplier: null, condition: condition.value as PartCondition, core_charge: c } : null,
          technician: k === "labor" && technician.value ? technician.value : null,
        };
        addButton.disabled = true;
        const added = await addLines([line]);
        addButton.disabled = false;
        if (added) description.focus();
      },
    },
    h("div", { class: "row line-main" }, field("Type", "line.kind", kind), field("Description", "line.description", description), field("Qty / hours", "line.quantity", quantity), field("Unit price", "line.unit_price", price), h("label", { class: "check" }, taxable, " Taxable")),
    partFields,
    laborFields,
    h("div", { class: "actions" }, preview, addButton),
  );

  // ---- find a part with the suppliers ----
  const scannedNumbers = new Set<string>(); // part numbers that came from a gun, searched as numbers
  const partSearch = input({ placeholder: "front brake pads, or scan a barcode" });
  const tier = h("select", {}, h("option", { value: "budget" }, "Budget"), h("option", { value: "standard", selected: true }, "Standard"), h("option", { value: "premium" }, "Premium"));
  const results = h("div", { class: "part-results", "aria-live": "polite" });
  const searchButton = h("button", { class: "secondary", id: "part-search-go", type: "submit" }, "Find price", kbd("Enter"));

  function offerRow(offer: PartOffer, best: boolean): HTMLElement {
    const add = h("button", { class: best ? "primary" : "secondary", onclick: () => addLines([toLine(offer)]) }, best ? "Add recommended" : "Add");
    return h(
      "tr",
      { class: best ? "best" : "" },
      h("td", {}, offer.description || offer.part_number, h("div", { class: "line-details" }, [offer.part_number, offer.brand, CONDITION_LABEL[offer.condition]].filter(Boolean).join(" · "))),
      h("td", {}, offer.supplier, offer.is_estimate ? h("span", { class: "badge estimate-badge" }, "estimate") : null),
      h("td", {}, availabilityText(offer)),
      h("td", { class: "num" }, money(offer.cost)),
      h("td", { class: "num strong" }, money(offer.price)),
      h("td", {}, add),
    );
  }
  function showPriced(priced: PricedPart): void {
    const failures = priced.failures.map((f) => h("p", { class: "warn" }, `${f.provider === "partstech" ? "PartsTech" : f.provider} did not answer: ${f.message}`));
    if (priced.offers.length === 0) {
      results.replaceChildren(...failures, h("p", { class: "muted" }, "No price found with any supplier or in the catalog. Add the part by hand below."));
      return;
    }
    const note = priced.estimated ? [h("p", { class: "warn" }, "No supplier had it: this price is an estimate from similar parts in the catalog.")] : [];
    const offers = h(
      "table",
      { class: "offers" },
      h("thead", {}, h("tr", {}, h("th", {}, "Part"), h("th", {}, "Supplier"), h("th", {}, "Availability"), h("th", { class: "num" }, "Cost"), h("th", { class: "num" }, "Price"), h("th", {}))),
      h("tbody", {}, priced.offers.map((o, i) => offerRow(o, i === 0 && priced.best !== null))),
    );
    results.replaceChildren(...failures, ...note, offers);
  }
  const searchForm = h(
    "form",
    {
      class: "part-search",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const text = partSearch.value.trim();
        if (!text) return show("Type the part you are looking for, or scan its barcode.");
        show(null);
        searchButton.disabled = true;
        results.replaceChildren(h("p", { class: "muted" }, "Asking the suppliers…"));
        try {
          const by = searchKind(text) === "upc" ? "upc" : scannedNumbers.has(text) ? "part_number" : "keyword";
          const priced = await api.searchParts(ro.number, { by, text }, tier.value as Tier);
          // a scanned barcode that names exactly one part goes straight onto the estimate
          if (by !== "keyword" && priced.offers.length === 1 && priced.best) {
            results.replaceChildren();
            if (await addLines([toLine(priced.best)])) shell.toast(`Added ${priced.best.description}.`);
            partSearch.value = "";
            return;
          }
          showPriced(priced);
        } catch (err) {
          results.replaceChildren();
          show(describe(err));
        } finally {
          searchButton.disabled = false;
        }
      },
    },
    h(
      "div",
      { class: "row search-row" },
      field("Find a part", "part.search", partSearch),
      field("Tier", "part.tier", tier),
      searchButton,
      h("button", { type: "button", class: "secondary", id: "camera-part", title: "Scan the part's barcode with the camera (Alt+C)", onclick: () => openCamera("parts", (text, read) => void shell.scanned(text, read.source, read.confidence)) }, "Camera", kbd("Alt+C")),
    ),
  );

  // ---- canned jobs ----
  const canned = h("select", { id: "canned-job" }, h("option", { value: "" }, "Canned job…"));
  api.cannedJobs().then((jobs) => canned.append(...jobs.map((j) => h("option", { value: j.id }, `${j.name} (${j.lines.length} lines)`)))).catch(() => {});
  const cannedRow = h(
    "div",
    { class: "toolbar canned" },
    canned,
    h("button", { class: "secondary", id: "canned-add", onclick: async () => {
      if (!canned.value) return show("Pick a canned job first.");
      show(null);
      try {
        changed(await api.addCannedJob(ro.number, Number(canned.value), null));
      } catch (e) {
        if (e instanceof CommandFailure && e.error.kind === "authorization_required") {
          askAuthorization(e.error.message, (auth) => api.addCannedJob(ro.number, Number(canned.value), auth));
        } else show(describe(e));
      }
    } }, "Add job"),
    h("button", { class: "secondary", id: "canned-save", onclick: async () => {
      const name = window.prompt("Save these lines as a canned job named:");
      if (!name) return;
      try {
        await api.saveCannedJob(name, ro.number);
        shell.toast(`Saved canned job "${name}".`);
      } catch (e) {
        show(describe(e));
      }
    } }, "Save lines as a job"),
  );

  // ---- authorization status and printing ----
  const latest = ro.authorizations[ro.authorizations.length - 1];
  const authStatus = latest
    ? h(
        "p",
        { class: "auth-status ok" },
        `Authorized ${METHOD_TEXT[latest.method]} by ${latest.authorized_by} for ${money(latest.amount)} (revision ${latest.revision}); `,
        (ro.authorized_limit ?? latest.amount) > latest.amount
          ? `may reach ${money(ro.authorized_limit ?? latest.amount)} without asking again.`
          : "any increase needs their OK.",
      )
    : h("p", { class: "auth-status warn" }, "Not authorized yet.");
  const authorizeButton = h("button", { class: "secondary", id: "authorize", onclick: () => askAuthorization(`The estimate comes to ${money(ro.totals.total)}.`, (auth) => api.authorizeEstimate(ro.number, auth)) }, latest ? "New authorization" : "Record authorization", kbd("Alt+A"));
  const paper = h("select", { id: "paper", "aria-label": "Paper" }, h("option", { value: "letter" }, "Letter"), h("option", { value: "a4" }, "A4"));
  const documentKind = h("select", { id: "document", "aria-label": "Document" }, h("option", { value: "estimate" }, "Estimate"), h("option", { value: "invoice", selected: ["invoiced", "paid", "closed"].includes(ro.status) }, "Invoice"), h("option", { value: "inspection" }, "Inspection report"));
  async function printDocument(action: "save" | "preview" | "print"): Promise<void> {
    show(null);
    try {
      const saved = await api.printDocument(ro.number, documentKind.value as "estimate" | "invoice" | "inspection", paper.value as "letter" | "a4", action);
      shell.toast(action === "print" ? `Sent to the printer (saved as ${saved.path}).` : `Saved ${saved.path}`);
    } catch (e) {
      show(describe(e));
    }
  }
  const printRow = h(
    "div",
    { class: "toolbar print" },
    documentKind,
    paper,
    h("button", { class: "secondary", id: "preview", onclick: () => printDocument("preview") }, "Preview", kbd("Ctrl+P")),
    h("button", { class: "secondary", id: "print", onclick: () => printDocument("print") }, "Print"),
    h("button", { class: "secondary", id: "save-pdf", onclick: () => printDocument("save") }, "Save PDF"),
  );

  const revisions = ro.authorizations.length
    ? h(
        "details",
        { class: "revisions" },
        h("summary", {}, `Authorizations (${ro.authorizations.length})`),
        h(
          "ol",
          {},
          ro.authorizations.map((a) =>
            h("li", {}, `Revision ${a.revision}, ${a.kind === "initial" ? "estimate" : "supplementary"}: ${a.authorized_by} ${METHOD_TEXT[a.method]}${a.phone ? ` (${phone(a.phone)})` : ""}, ${new Date(a.authorized_at).toLocaleString()}, for ${money(a.amount)} (estimate then ${money(a.estimate_total)})${a.note ? ` — ${a.note}` : ""}`),
          ),
        ),
      )
    : null;
  const element = h(
    "section",
    { class: "estimate", "aria-label": "Estimate" },
    h("div", { class: "estimate-head" }, h("h2", {}, "Estimate"), authStatus, editable ? authorizeButton : null),
    revisions,
    ro.lines.length || ro.shop_fees.length ? table : h("p", { class: "muted" }, "No lines yet. Add labor and parts below, or a canned job."),
    message,
    authorizationBox,
    editable ? h("div", { class: "estimate-tools" }, searchForm, results, lineForm, cannedRow) : h("p", { class: "muted" }, lockedText),
    printRow,
  );
  kindChanged();

  return {
    element,
    scanPart(code: string): void {
      if (!editable) return show(lockedText);
      if (searchKind(code) !== "upc") scannedNumbers.add(code);
      partSearch.value = code;
      searchForm.requestSubmit();
    },
    onKey(e: KeyboardEvent): boolean {
      if (e.altKey && e.key.toLowerCase() === "l" && editable) {
        kind.value = "labor";
        kindChanged();
        description.focus();
        return true;
      }
      if (e.altKey && e.key.toLowerCase() === "p" && editable) {
        partSearch.focus();
        return true;
      }
      if (e.altKey && e.key.toLowerCase() === "c" && editable) {
        openCamera("parts", (text, read) => void shell.scanned(text, read.source, read.confidence));
        return true;
      }
      if (e.altKey && e.key.toLowerCase() === "a" && editable) {
        authorizeButton.click();
        return true;
      }
      if (e.ctrlKey && e.key.toLowerCase() === "p") {
        e.preventDefault();
        printDocument("preview");
        return true;
      }
      return false;
    },
  };
}

function toLine(offer: PartOffer): NewLine {
  return {
    kind: "part",
    description: offer.description || offer.part_number,
    quantity_milli: 1000,
    unit_price: offer.price,
    taxable: true,
    part: { part_number: offer.part_number || null, brand: offer.brand || null, supplier: offer.supplier, condition: offer.condition, core_charge: offer.core },
    technician: null,
  };
}

function availabilityText(offer: PartOffer): string {
  const a = offer.availability;
  switch (a.status) {
    case "in_stock":
      return a.quantity ? `${a.quantity} in stock` : "In stock";
    case "out_of_stock":
      return "Out of stock";
    case "special_order":
      return "Special order";
    case "back_order":
      return "Back order";
    default:
      return offer.is_estimate ? "—" : "Ask the supplier";
  }
}
