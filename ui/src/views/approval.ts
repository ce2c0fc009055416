// The customer's approval from a link: send the order to the Dixon cloud and show the link (to
// copy, or as a QR code the customer scans at the counter), then where it stands — "Approved by
// Pat Lee from their phone at 10:42 AM" once their answer comes back through sync.
import { api, describe, type ApprovalStatus, type LinkView } from "../api";
import { h, mount } from "../dom";
import { money, when } from "../format";

export function approvalPanel(number: number): HTMLElement {
  const element = h("section", { class: "approval", id: "approval-panel", "aria-labelledby": "approval-title" });
  const summary = h("p", { id: "approval-summary", role: "status" }, "…");
  const answers = h("ul", { class: "approval-answers" });
  const link = h("div", { class: "approval-link" });
  const problem = h("p", { class: "error", role: "alert", hidden: true });

  function showStatus(status: ApprovalStatus): void {
    summary.textContent = status.summary;
    summary.className = status.answers.some((a) => a.recorded) ? "ok" : "muted";
    mount(
      answers,
      ...status.answers.map((a) =>
        h(
          "li",
          { "data-answer": a.link_id },
          `${when(a.submitted_at)}: ${a.name} approved ${money(a.amount)}`,
          a.approved.length ? ` (${a.approved.join(", ")})` : "",
          a.declined.length ? `, declined ${a.declined.join(", ")}` : "",
          ` — ${a.signed ? "signed" : "typed name"}, from ${a.ip}`,
          a.recorded ? null : h("strong", { class: "error" }, ` Not recorded: ${a.problem ?? ""}`),
        ),
      ),
    );
  }

  function showLink(view: LinkView): void {
    const url = h("input", { type: "text", readonly: true, value: view.link.url, id: "approval-url", "aria-label": "Link for the customer" }) as HTMLInputElement;
    const qr = h("div", { class: "qr", role: "img", "aria-label": "QR code of the link" });
    // our own SVG, made by the shell from the link
    if (view.qr_svg) qr.innerHTML = view.qr_svg;
    mount(
      link,
      h("p", {}, `${view.link.lines} item${view.link.lines === 1 ? "" : "s"} to approve, ${view.link.photos / 2} photo${view.link.photos === 2 ? "" : "s"}. Works until ${when(view.link.expires_at)}.`),
      h("div", { class: "row" }, url, h("button", { type: "button", class: "secondary", onclick: () => void navigator.clipboard?.writeText(view.link.url) }, "Copy")),
      qr,
      h("div", { class: "row" }, textIt(view.link.url), sent),
      h("p", { class: "muted" }, "Or let the customer scan the code with their phone."),
    );
  }

  const sent = h("span", { role: "status", id: "approval-sent" });
  /** Sends the link by the customer's preferred way (text, email or push), with fallback. */
  function textIt(url: string): HTMLElement {
    const button = h("button", { type: "button", class: "secondary", id: "send-approval-link" }, "Text / email it to the customer");
    button.addEventListener("click", async () => {
      button.setAttribute("disabled", "");
      try {
        const messages = await api.sendMessage({ repair_order: number, template: "approval", link: url });
        const last = messages[messages.length - 1];
        sent.textContent = last ? `${last.channel}: ${last.state_words}` : "Not sent.";
      } catch (e) {
        sent.textContent = describe(e);
      } finally {
        button.removeAttribute("disabled");
      }
    });
    return button;
  }

  async function refresh(): Promise<void> {
    try {
      showStatus(await api.approvalStatus(number));
    } catch (e) {
      summary.textContent = describe(e);
    }
  }

  const send = h("button", { type: "button", class: "primary", id: "send-approval" }, "Send for approval");
  send.addEventListener("click", async () => {
    send.setAttribute("disabled", "");
    problem.hidden = true;
    try {
      showLink(await api.approvalLink(number));
      await refresh();
    } catch (e) {
      problem.textContent = describe(e);
      problem.hidden = false;
    } finally {
      send.removeAttribute("disabled");
    }
  });
  mount(element, h("h2", { id: "approval-title" }, "Customer approval"), summary, answers, h("div", { class: "actions" }, send), problem, link);
  void refresh();
  return element;
}
