// The payment panel of an invoiced repair order: the balance due in large numbers, a card on the
// Stripe Terminal reader (its progress in words: "waiting for card", "approved", "declined:
// reason"), PayPal approved on the customer's phone from a QR code, cash with the change due, a
// check by number — split as the customer likes. The order becomes paid when nothing is left.
// Keys: Alt+R card, Alt+Y PayPal, Alt+H cash, Alt+K check.
import { Channel } from "@tauri-apps/api/core";
import { api, describe, type PaymentProgress, type Payment, type PaymentPanel } from "../api";
import { h, kbd, mount } from "../dom";
import { money, moneyInput, parseMoney } from "../format";
import { cardStepText } from "./paymentFormat";

export interface PaymentPanelView {
  element: HTMLElement;
  onKey(e: KeyboardEvent): boolean;
}

/** `paid` is called after every payment that went through, to reload the order. */
export function paymentPanel(number: number, paid: () => void): PaymentPanelView {
  const element = h("section", { class: "payment", id: "payment-panel" }, h("p", { class: "muted" }, "Loading the balance…"));
  const status = h("p", { class: "pay-status", id: "pay-status", role: "status" });
  const form = h("div", { class: "pay-form" });
  let panel: PaymentPanel | null = null;
  let busy = false;

  async function load(): Promise<void> {
    try {
      panel = await api.paymentPanel(number);
      render();
    } catch (e) {
      mount(element, h("p", { class: "error", role: "alert" }, describe(e)));
    }
  }

  function say(text: string, tone: "ok" | "warn" | "error" | "" = ""): void {
    status.textContent = text;
    status.className = `pay-status ${tone}`;
  }

  function amountField(id: string): HTMLInputElement {
    return h("input", { id, inputmode: "decimal", value: moneyInput(panel?.balance.due ?? 0), "aria-label": "Amount" }) as HTMLInputElement;
  }

  function readAmount(input: HTMLInputElement): number | null {
    const cents = parseMoney(input.value);
    if (cents === null || cents <= 0) {
      say(`"${input.value}" is not an amount: type it like 120 or 120.50.`, "error");
      input.focus();
      return null;
    }
    return cents;
  }

  async function run(action: () => Promise<Payment>): Promise<void> {
    if (busy) return;
    busy = true;
    element.classList.add("busy");
    try {
      const payment = await action();
      if (payment.status === "succeeded") {
        say(`Approved: ${payment.how}.`, "ok");
        paid();
      } else {
        say(`${payment.status === "canceled" ? "Canceled" : "Declined"}: ${payment.failure ?? "no reason given"}`, "error");
        await load();
        if (payment.method === "card") showRetry(payment);
        else mount(form);
      }
    } catch (e) {
      say(describe(e), "error");
      await load();
    } finally {
      busy = false;
      element.classList.remove("busy");
    }
  }

  function cardChannel(): Channel<PaymentProgress> {
    const channel = new Channel<PaymentProgress>();
    channel.onmessage = (step) => say(cardStepText(step, readerName), step.step === "approved" ? "ok" : step.step === "declined" || step.step === "timed_out" ? "error" : "");
    return channel;
  }

  function readerName(id: string): string {
    return panel?.readers.find((r) => r.id === id)?.label ?? id;
  }

  function readerSelect(): HTMLSelectElement {
    return h("select", { id: "pay-reader", "aria-label": "Card reader" }, (panel?.readers ?? []).map((r) => h("option", { value: r.id }, `${r.label ?? r.id}${r.status === "offline" ? " (offline)" : ""}`))) as HTMLSelectElement;
  }

  function showCard(): void {
    if (!panel) return;
    if (panel.card_problem) {
      mount(form, h("p", { class: "warn" }, panel.card_problem));
      return;
    }
    const reader = readerSelect();
    const amount = amountField("pay-card-amount");
    const charge = h("button", { class: "primary big", id: "pay-card-go", onclick: () => {
      const cents = readAmount(amount);
      if (cents !== null) void run(() => api.payCard(number, cents, reader.value, cardChannel()));
    } }, "Charge on reader");
    mount(form, h("div", { class: "row three" }, field("Reader", reader), field("Amount", amount), h("div", { class: "field" }, charge)));
    amount.focus();
  }

  function showRetry(payment: Payment): void {
    if (!panel || panel.card_problem) return;
    const reader = readerSelect();
    if (payment.reader_id) reader.value = payment.reader_id;
    mount(form, h("div", { class: "row three" }, field("Reader", reader),
      h("div", { class: "field" }, h("button", { class: "primary big", id: "pay-retry", onclick: () => run(() => api.retryCard(payment.id, reader.value, cardChannel())) }, `Try again (${money(payment.amount)})`))));
  }

  function showPaypal(): void {
    if (!panel) return;
    if (!panel.paypal_ready) {
      mount(form, h("p", { class: "warn" }, "PayPal is not set up on this counter (`dixon pay connect-paypal`). Take a card, cash or a check."));
      return;
    }
    const amount = amountField("pay-paypal-amount");
    const go = h("button", { class: "primary big", id: "pay-paypal-go", onclick: () => {
      const cents = readAmount(amount);
      if (cents !== null) void run(() => paypal(cents));
    } }, "Show PayPal code");
    mount(form, h("div", { class: "row three" }, field("Amount", amount), h("div", { class: "field" }, go)));
    amount.focus();
  }

  /** Shows the approval QR code, then waits for the customer's phone. */
  async function paypal(cents: number): Promise<Payment> {
    const started = await api.payPaypalStart(number, cents);
    const qr = h("div", { class: "qr", id: "paypal-qr", role: "img", "aria-label": "PayPal QR code" });
    // the SVG is made by the shell from PayPal's link, never from user input
    if (started.qr_svg) qr.innerHTML = started.qr_svg;
    mount(form, h("div", { class: "paypal-wait" }, qr,
      h("div", {}, h("p", { class: "big-text" }, `Ask the customer to scan this code with their phone camera and approve ${money(cents)} in PayPal.`),
        h("p", { class: "muted mono", id: "paypal-link" }, started.approve_url))));
    say("Waiting for the customer to approve on their phone…");
    return api.payPaypalFollow(started.payment.id, cardChannel());
  }

  function showCash(): void {
    const amount = amountField("pay-cash-amount");
    const tendered = h("input", { id: "pay-cash-tendered", inputmode: "decimal", placeholder: "what the customer hands over", "aria-label": "Cash handed over" }) as HTMLInputElement;
    const change = h("p", { class: "change", id: "pay-change" });
    const update = () => {
      const a = parseMoney(amount.value);
      const t = parseMoney(tendered.value || amount.value);
      change.textContent = a !== null && t !== null ? (t >= a ? `Change due ${money(t - a)}` : `${money(a - t)} short`) : "";
    };
    amount.addEventListener("input", update);
    tendered.addEventListener("input", update);
    const take = h("button", { class: "primary big", id: "pay-cash-go", onclick: () => {
      const cents = readAmount(amount);
      if (cents === null) return;
      const handed = tendered.value.trim() ? parseMoney(tendered.value) : cents;
      if (handed === null) return say(`"${tendered.value}" is not an amount of cash.`, "error");
      void run(() => api.payCash(number, cents, handed));
    } }, "Take cash");
    mount(form, h("div", { class: "row three" }, field("Amount", amount), field("Handed over", tendered), h("div", { class: "field" }, take)), change);
    update();
    tendered.focus();
  }

  function showCheck(): void {
    const amount = amountField("pay-check-amount");
    const checkNumber = h("input", { id: "pay-check-number", "aria-label": "Check number", autocomplete: "off" }) as HTMLInputElement;
    const take = h("button", { class: "primary big", id: "pay-check-go", onclick: () => {
      const cents = readAmount(amount);
      if (cents !== null) void run(() => api.payCheck(number, cents, checkNumber.value));
    } }, "Take check");
    mount(form, h("div", { class: "row three" }, field("Check number", checkNumber), field("Amount", amount), h("div", { class: "field" }, take)));
    checkNumber.focus();
  }

  function render(): void {
    if (!panel) return;
    const b = panel.balance;
    const done = b.due <= 0 && b.pending <= 0;
    const parts: (HTMLElement | null)[] = [
      h("div", { class: "payment-head" },
        h("h2", {}, "Payment"),
        h("div", { class: "due-big", id: "pay-due" }, h("small", {}, done ? "Paid in full" : "Due"), money(done ? b.paid : Math.max(b.due, 0))),
        h("p", { class: "muted" }, `Total ${money(b.total)} · paid ${money(b.paid)}${b.pending > 0 ? ` · ${money(b.pending)} on the reader` : ""}`)),
      done
        ? null
        : h("div", { class: "toolbar pay-methods" },
            h("button", { class: "secondary", id: "pay-card", onclick: showCard, title: panel.card_problem ?? "" }, "Card on reader", kbd("Alt+R")),
            h("button", { class: "secondary", id: "pay-paypal", onclick: showPaypal }, "PayPal", kbd("Alt+Y")),
            h("button", { class: "secondary", id: "pay-cash", onclick: showCash }, "Cash", kbd("Alt+H")),
            h("button", { class: "secondary", id: "pay-check", onclick: showCheck }, "Check", kbd("Alt+K"))),
      panel.card_problem && !done ? h("p", { class: "warn", id: "card-problem" }, panel.card_problem) : null,
      panel.payments.some((p) => p.status === "succeeded")
        ? h("div", { class: "toolbar receipt" },
            h("button", { class: "secondary", id: "receipt-print", onclick: () => receipt("print") }, "Print receipt"),
            h("button", { class: "secondary", id: "receipt-save", onclick: () => receipt("save") }, "Save receipt PDF"))
        : null,
      form,
      status,
      panel.payments.length
        ? h("table", { class: "payments", id: "payments" }, h("tbody", {}, panel.payments.map((p) =>
            h("tr", { class: `pay-${p.status}` }, h("td", {}, p.how), h("td", { class: "num" }, money(p.amount)),
              h("td", {}, p.status === "succeeded" ? "approved" : p.status === "failed" ? `declined: ${p.failure ?? ""}` : p.status === "authorized" ? "held on the card" : p.status.replace(/_/g, " "),
                p.status === "authorized"
                  ? [" ", h("button", { class: "secondary", onclick: () => run(() => api.captureHold(p.id, Math.min(p.amount, b.total - b.paid))) }, `Capture ${money(Math.min(p.amount, b.total - b.paid))}`),
                     " ", h("button", { class: "secondary", onclick: () => run(() => api.releaseHold(p.id)) }, "Release hold")]
                  : null)))))
        : null,
    ];
    mount(element, ...parts.filter((p): p is HTMLElement => p !== null));
  }

  async function receipt(action: "print" | "save"): Promise<void> {
    try {
      const saved = await api.printDocument(number, "receipt", "letter", action);
      say(action === "print" ? `Receipt sent to the printer (${saved.path}).` : `Receipt saved: ${saved.path}`, "ok");
    } catch (e) {
      say(describe(e), "error");
    }
  }

  function field(label: string, input: HTMLElement): HTMLElement {
    return h("div", { class: "field" }, h("label", {}, label), input);
  }

  void load();
  return {
    element,
    onKey(e) {
      if (!e.altKey || !panel || busy) return false;
      const key = e.key.toLowerCase();
      const action = key === "r" ? showCard : key === "y" ? showPaypal : key === "h" ? showCash : key === "k" ? showCheck : null;
      if (!action) return false;
      e.preventDefault();
      action();
      return true;
    },
  };
}
