import type { Status } from "../api";
import { h } from "../dom";

export const STATUS_LABEL: Record<Status, string> = {
  estimate: "Estimate",
  approved: "Approved",
  in_progress: "In progress",
  completed: "Completed",
  invoiced: "Invoiced",
  paid: "Paid",
  closed: "Closed",
  canceled: "Canceled",
};

export function statusBadge(status: Status): HTMLElement {
  return h("span", { class: `badge status-${status}` }, STATUS_LABEL[status]);
}
