// Settings → Dixon cloud: join the shop with the code its owner got, name this counter, sync
// now, or leave. Also says how repair-order numbers work across counters.
import { api, CommandFailure, describe, type SyncStatus } from "../api";
import { h, mount } from "../dom";
import type { Shell } from "../main";
import { syncLine } from "../syncFormat";
import { field, input, showFieldErrors } from "./forms";

const NUMBERS_NOTE =
  "Repair-order numbers are shared by the shop's counters. An order opened while this counter is offline shows its number as provisional; if another counter took the same number meanwhile, the cloud gives this order the next free number when it syncs.";

export function cloudSettings(shell: Shell): HTMLElement {
  const box = h("fieldset", { id: "cloud-settings" }, h("legend", {}, "Dixon cloud"), h("p", { class: "muted" }, "Loading…"));
  const show = (status: SyncStatus) =>
    mount(box, h("legend", {}, "Dixon cloud"), ...(status.enrolled ? enrolled(status) : joinForm()).filter((e): e is HTMLElement => e !== null));
  const fail = (e: unknown, where: HTMLElement) => {
    where.textContent = describe(e);
    where.hidden = false;
    if (e instanceof CommandFailure) showFieldErrors(box, e.error.fields);
  };

  function joinForm(): HTMLElement[] {
    const url = input({ placeholder: "https://cloud.dixoncounter.com", value: localStorage.getItem("cloud-url") ?? "" });
    const code = input({ placeholder: "ABCD-EFGH-JKLM", class: "mono" });
    const name = input({ placeholder: "Front counter", maxlength: 60 });
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const join = h("button", { type: "button", class: "primary", id: "cloud-join" }, "Join the shop");
    join.addEventListener("click", async () => {
      error.hidden = true;
      join.setAttribute("disabled", "");
      try {
        localStorage.setItem("cloud-url", url.value.trim());
        show(await api.syncEnroll(url.value, code.value, name.value));
        shell.toast("This counter joined the shop; its records are on their way to the cloud.");
      } catch (e) {
        fail(e, error);
      } finally {
        join.removeAttribute("disabled");
      }
    });
    return [
      h("p", { class: "muted" }, "Share repair orders, estimates and payments with the shop's other counters. The shop's owner gets a one-time code with `dixon-cloud shop enroll-code`. Without a cloud this counter keeps working alone."),
      h("div", { class: "row three" }, field("Cloud address", "cloud_url", url), field("Enrollment code", "code", code), field("This counter's name", "name", name)),
      error,
      h("div", { class: "actions" }, join),
      h("p", { class: "muted small" }, NUMBERS_NOTE),
    ];
  }

  function enrolled(status: SyncStatus): (HTMLElement | null)[] {
    const line = syncLine(status);
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const now = h("button", { type: "button", class: "secondary", id: "cloud-sync-now" }, "Sync now");
    now.addEventListener("click", async () => {
      error.hidden = true;
      try {
        show(await api.syncNow());
      } catch (e) {
        fail(e, error);
      }
    });
    const leave = h("button", { type: "button", class: "secondary danger", id: "cloud-leave" }, "Leave the shop");
    leave.addEventListener("click", async () => {
      if (!window.confirm("Take this counter out of the shop? Its records stay here; joining again needs a new code.")) return;
      try {
        show(await api.syncLeave());
      } catch (e) {
        fail(e, error);
      }
    });
    return [
      h(
        "dl",
        { class: "cloud-facts" },
        h("dt", {}, "This counter"),
        h("dd", {}, status.device_name ?? ""),
        h("dt", {}, "Cloud"),
        h("dd", { class: "mono" }, status.cloud_url ?? ""),
        h("dt", {}, "Shop"),
        h("dd", { class: "mono" }, status.shop_id ?? ""),
        h("dt", {}, "Status"),
        h("dd", { class: `sync-${line.tone}` }, line.text),
      ),
      status.last_error ? h("p", { class: "muted" }, `Last problem: ${status.last_error}`) : null,
      status.refused.length
        ? h("div", {}, h("p", {}, "Changes the cloud refused (the record shows what the shop agreed instead):"), h("ul", {}, status.refused.map((r) => h("li", {}, `${r.topic}: ${r.reason}`))))
        : null,
      error,
      h("div", { class: "actions" }, leave, now),
      h("p", { class: "muted small" }, NUMBERS_NOTE),
    ];
  }

  api.syncStatus().then(show).catch((e) => mount(box, h("legend", {}, "Dixon cloud"), h("p", { class: "error" }, describe(e))));
  return box;
}
