// Form fields with inline errors, shared by every form. A field is found by its `data-field`
// name, which matches the `field` of the shell's `FieldError` (e.g. `customer.phone`).
import { CommandFailure, describe, type FieldError } from "../api";
import { h } from "../dom";

export function field(label: string, name: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = `f-${name.replace(/\W/g, "-")}`;
  control.id = id;
  // An error is about what was typed: once the field changes, the old message goes.
  control.addEventListener("input", () => clearFieldError(control.closest(".field")));
  return h(
    "div",
    { class: "field", "data-field": name },
    h("label", { for: id }, label),
    control,
    hint ? h("small", { class: "hint" }, hint) : null,
    h("small", { class: "field-error", role: "alert" }),
  );
}

export function input(attrs: Record<string, string | number | boolean | null | undefined> = {}): HTMLInputElement {
  return h("input", { type: "text", autocomplete: "off", ...attrs });
}

function clearFieldError(f: Element | null): void {
  if (!f) return;
  f.classList.remove("invalid");
  const message = f.querySelector(".field-error");
  if (message) message.textContent = "";
}

/** Clears old messages, shows new ones, focuses the first bad field; returns messages that have no field on this form. */
export function showFieldErrors(form: HTMLElement, errors: FieldError[]): string[] {
  form.querySelectorAll<HTMLElement>(".field").forEach(clearFieldError);
  const unplaced: string[] = [];
  let first: HTMLElement | null = null;
  for (const error of errors) {
    const f = form.querySelector<HTMLElement>(`.field[data-field="${CSS.escape(error.field)}"]`);
    if (!f) {
      unplaced.push(error.message);
      continue;
    }
    f.classList.add("invalid");
    f.querySelector(".field-error")!.textContent = error.message;
    first ??= f.querySelector<HTMLElement>("input, select, textarea");
  }
  first?.focus();
  return unplaced;
}

/** Runs `action` with the submit button disabled. A refusal marks its fields; whatever has no
 * field on this form (or is not a refusal at all) is shown in `formError`. */
export async function submitting(form: HTMLElement, button: HTMLButtonElement, formError: HTMLElement, action: () => Promise<void>): Promise<void> {
  formError.hidden = true;
  button.disabled = true;
  try {
    await action();
  } catch (e) {
    const unplaced = e instanceof CommandFailure ? showFieldErrors(form, e.error.fields) : [];
    if (!(e instanceof CommandFailure) || e.error.fields.length === 0 || unplaced.length) {
      formError.textContent = unplaced.length ? unplaced.join(" ") : describe(e);
      formError.hidden = false;
    }
  } finally {
    button.disabled = false;
  }
}
