// Settings → Messaging: connect Twilio (texts), SendGrid (email) and AWS SNS (push) — the
// secrets go to the OS keychain, never to the database — quiet hours in the shop's time zone,
// where the owner's alerts go, and the templates the shop sends.
import { api, CommandFailure, describe, type MessageChannel, type MessagingPanel, type Template } from "../api";
import { h, mount } from "../dom";
import type { Shell } from "../main";
import { field, input, showFieldErrors } from "./forms";

const PROVIDER: Record<Exclude<MessageChannel, "in_app">, { name: string; provider: string; id?: string; secret: string; from?: string; region?: boolean }> = {
  sms: { name: "Twilio (texts)", provider: "twilio", id: "Account SID (AC…)", secret: "Auth token", from: "The shop's Twilio number (+1…)" },
  email: { name: "SendGrid (email)", provider: "sendgrid", secret: "API key (SG.…)", from: "Verified sender address" },
  push: { name: "AWS SNS (push)", provider: "sns", id: "Access key id", secret: "Secret access key", region: true },
};

export function messagingSettings(shell: Shell): HTMLElement {
  const box = h("fieldset", { id: "messaging-settings" }, h("legend", {}, "Messaging"), h("p", { class: "muted" }, "Loading…"));

  async function load(): Promise<void> {
    try {
      render(await api.messagingPanel());
    } catch (e) {
      mount(box, h("legend", {}, "Messaging"), h("p", { class: "error" }, describe(e)));
    }
  }

  function connectRow(channel: Exclude<MessageChannel, "in_app">, connected: boolean): HTMLElement {
    const p = PROVIDER[channel];
    const id = input({ class: "mono" });
    const secret = input({ type: "password" });
    const from = input({});
    const region = input({ placeholder: "us-east-1" });
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const row = h("div", { class: "connect-row", "data-provider": p.provider });
    const save = h("button", { type: "button", class: "secondary", id: `connect-${p.provider}` }, connected ? "Replace the account" : "Connect");
    save.addEventListener("click", async () => {
      error.hidden = true;
      try {
        await api.connectMessaging({ provider: p.provider, id: id.value, secret: secret.value, from: from.value, region: region.value });
        shell.toast(`${p.name} connected; the secret is in the OS keychain.`);
        await load();
      } catch (e) {
        error.textContent = describe(e);
        error.hidden = false;
        if (e instanceof CommandFailure) showFieldErrors(row, e.error.fields);
      }
    });
    mount(
      row,
      h("h3", {}, p.name, " ", h("span", { class: connected ? "ok" : "muted" }, connected ? "· connected" : "· not connected")),
      h(
        "div",
        { class: "row three" },
        p.id ? field(p.id, "id", id) : null,
        field(p.secret, "secret", secret),
        p.from ? field(p.from, "from", from) : null,
        p.region ? field("Region", "region", region) : null,
      ),
      error,
      h("div", { class: "actions" }, save),
    );
    return row;
  }

  function templateEditor(template: Template): HTMLElement {
    const subject = input({ value: template.subject });
    const body = h("textarea", { rows: 3 }, template.body) as HTMLTextAreaElement;
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const save = h("button", { type: "button", class: "secondary" }, "Save template");
    save.addEventListener("click", async () => {
      error.hidden = true;
      try {
        await api.saveMessageTemplate({ ...template, subject: subject.value, body: body.value });
        shell.toast(`Template "${template.name}" saved.`);
      } catch (e) {
        error.textContent = describe(e);
        error.hidden = false;
      }
    });
    return h("details", { class: "template" }, h("summary", {}, template.name), field("Email subject", `subject-${template.key}`, subject), field("Text", `body-${template.key}`, body), error, save);
  }

  function render(panel: MessagingPanel): void {
    const s = panel.settings;
    const f = {
      tz: input({ value: s.time_zone, placeholder: "this PC's zone (e.g. America/Chicago)" }),
      from: input({ value: s.quiet_from, placeholder: "21:00" }),
      until: input({ value: s.quiet_until, placeholder: "08:00" }),
      phone: input({ value: s.owner_phone ?? "", placeholder: "+1…" }),
      email: input({ value: s.owner_email ?? "" }),
    };
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const save = h("button", { type: "button", class: "secondary", id: "save-messaging" }, "Save quiet hours and alerts");
    save.addEventListener("click", async () => {
      error.hidden = true;
      try {
        await api.saveMessagingSettings({
          time_zone: f.tz.value, quiet_from: f.from.value, quiet_until: f.until.value,
          owner_phone: f.phone.value || null, owner_email: f.email.value || null, owner_push_endpoint: s.owner_push_endpoint,
        });
        shell.toast("Messaging settings saved.");
      } catch (e) {
        error.textContent = describe(e);
        error.hidden = false;
      }
    });
    mount(
      box,
      h("legend", {}, "Messaging"),
      h("p", { class: "muted" }, "Text, email and push the shop's customers from a repair order. Secrets are kept in this PC's keychain. Texts go only to customers who agreed to them, never after they text STOP."),
      ...panel.channels.filter((c) => c.channel !== "in_app").map((c) => connectRow(c.channel as Exclude<MessageChannel, "in_app">, c.connected)),
      h("h3", {}, "Quiet hours and the owner's alerts"),
      h("div", { class: "row three" }, field("Time zone", "time_zone", f.tz), field("No texts from", "quiet_from", f.from), field("until", "quiet_until", f.until, "urgent messages still go")),
      h("div", { class: "row" }, field("Owner's mobile (alerts)", "owner_phone", f.phone), field("Owner's email (alerts)", "owner_email", f.email)),
      error,
      h("div", { class: "actions" }, save),
      h("h3", {}, "Templates"),
      h("p", { class: "muted small" }, "Placeholders: ", panel.placeholders.map(([p, what]) => `{${p}} ${what}`).join(" · ")),
      ...panel.templates.map(templateEditor),
    );
  }

  void load();
  return box;
}
