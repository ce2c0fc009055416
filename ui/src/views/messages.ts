// "Text / email the customer" on a repair order: a template, the channel (and why another is not
// offered), the segment count and the text as the customer will see it; then the conversation,
// each message with its delivery in words. Alt+M sends.
import { api, describe, type Compose, type Draft, type MessageChannel, type MessagePanel } from "../api";
import { h, kbd, mount } from "../dom";
import { when } from "../format";
import { CHANNEL_WORD, draftSummary, messageMeta, stateTone } from "./messageFormat";

export interface MessagesView {
  element: HTMLElement;
  onKey(e: KeyboardEvent): boolean;
}

export function messagesPanel(number: number): MessagesView {
  const element = h("section", { class: "messages", id: "messages-panel" }, h("p", { class: "muted" }, "Loading the conversation…"));
  const template = h("select", { id: "message-template", "aria-label": "Template" }) as HTMLSelectElement;
  const channel = h(
    "select",
    { id: "message-channel", "aria-label": "Channel" },
    h("option", { value: "" }, "The customer's preferred way"),
    (["sms", "email", "push"] as MessageChannel[]).map((c) => h("option", { value: c }, `${CHANNEL_WORD[c]} only`)),
  ) as HTMLSelectElement;
  const text = h("textarea", { id: "message-text", rows: 3, placeholder: "Type the message", "aria-label": "Message", hidden: true }) as HTMLTextAreaElement;
  const summary = h("p", { class: "message-summary", id: "message-summary", role: "status" });
  const reasons = h("ul", { class: "muted message-reasons" });
  const preview = h("div", { class: "bubble out preview", id: "message-preview" });
  const status = h("p", { class: "message-status", id: "message-status", role: "status" });
  const send = h("button", { class: "primary", id: "send-message", onclick: () => void sendNow() }, "Send", kbd("Alt+M")) as HTMLButtonElement;
  const consent = h("button", { class: "secondary", id: "record-consent", hidden: true, onclick: () => void recordConsent() }, "Record consent to texts") as HTMLButtonElement;
  const conversation = h("ol", { class: "conversation", id: "conversation", "aria-live": "polite" });
  let draft: Draft | null = null;
  let busy = false;

  function request(): Compose {
    return {
      repair_order: number,
      template: template.value,
      channel: (channel.value || null) as MessageChannel | null,
      text: template.value === "free" ? text.value : null,
      priority: "normal",
    };
  }

  async function refreshPreview(): Promise<void> {
    text.hidden = template.value !== "free";
    try {
      draft = await api.previewMessage(request());
      summary.textContent = draftSummary(draft);
      summary.className = `message-summary ${draft.channel ? "" : "error"}`;
      if (draft.hold_until) summary.textContent += ` · quiet hours: goes out at ${when(draft.hold_until)}`;
      mount(reasons, ...draft.plan.not_offered.map((n) => h("li", {}, `Not by ${CHANNEL_WORD[n.channel].toLowerCase()}: ${n.why}`)));
      preview.textContent = draft.body;
      preview.hidden = !draft.body;
      send.disabled = !draft.channel;
      consent.hidden = !draft.plan.not_offered.some((n) => n.channel === "sms" && n.why.startsWith("no consent"));
    } catch (e) {
      draft = null;
      summary.textContent = describe(e);
      summary.className = "message-summary error";
      mount(reasons);
      preview.hidden = true;
      send.disabled = true;
    }
  }

  async function sendNow(): Promise<void> {
    if (busy || !draft?.channel) return;
    busy = true;
    send.disabled = true;
    try {
      const sent = await api.sendMessage(request());
      const last = sent[sent.length - 1];
      status.textContent = last ? last.state_words : "";
      status.className = `message-status ${last ? stateTone(last.state) : ""}`;
      if (template.value === "free") text.value = "";
      await loadConversation();
    } catch (e) {
      status.textContent = describe(e);
      status.className = "message-status bad";
    } finally {
      busy = false;
      void refreshPreview();
    }
  }

  async function recordConsent(): Promise<void> {
    const how = window.prompt("How did the customer agree to texts? (e.g. \"said yes at the counter\")", "said yes at the counter");
    if (!how) return;
    try {
      await api.recordTextConsent(number, how);
      status.textContent = "Consent to texts recorded.";
      status.className = "message-status ok";
      await refreshPreview();
    } catch (e) {
      status.textContent = describe(e);
      status.className = "message-status bad";
    }
  }

  function renderConversation(panel: MessagePanel): void {
    mount(
      conversation,
      ...(panel.messages.length === 0
        ? [h("li", { class: "muted" }, "No messages yet.")]
        : panel.messages.map((m) =>
            h(
              "li",
              { class: `bubble ${m.direction === "in" ? "in" : "out"} ${stateTone(m.state)}`, "data-state": m.state },
              h("p", {}, m.body),
              h("small", {}, `${when(m.created_at)} · ${messageMeta(m)}`),
            ),
          )),
    );
  }

  async function loadConversation(): Promise<MessagePanel | null> {
    try {
      const panel = await api.messagePanel(number);
      renderConversation(panel);
      return panel;
    } catch (e) {
      mount(conversation, h("li", { class: "error" }, describe(e)));
      return null;
    }
  }

  async function start(): Promise<void> {
    const panel = await loadConversation();
    if (!panel) return;
    mount(template, ...panel.templates.map((t) => h("option", { value: t.key }, t.name)));
    template.value = "ready";
    mount(
      element,
      h("h2", {}, "Text / email the customer"),
      h("div", { class: "toolbar" }, template, channel, send, consent),
      text,
      summary,
      reasons,
      preview,
      status,
      h("h3", {}, "Conversation"),
      conversation,
    );
    await refreshPreview();
  }

  for (const input of [template, channel]) input.addEventListener("change", () => void refreshPreview());
  let typing: number | undefined;
  text.addEventListener("input", () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => void refreshPreview(), 250);
  });
  // delivery reports and replies arrive in the background: follow them while the order is open
  const follow = window.setInterval(() => {
    if (!element.isConnected) return window.clearInterval(follow);
    void loadConversation();
  }, 4000);
  void start();

  return {
    element,
    onKey(e: KeyboardEvent): boolean {
      if (e.altKey && e.key.toLowerCase() === "m") {
        e.preventDefault();
        void sendNow();
        return true;
      }
      return false;
    },
  };
}
