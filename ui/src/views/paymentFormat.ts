// Pure helpers of the payment panel (unit-tested in paymentFormat.test.ts).
import type { PaymentProgress } from "../api";

/** A card payment's step in words: never a spinner alone. */
export function cardStepText(step: PaymentProgress, readerName: (id: string) => string): string {
  switch (step.step) {
    case "preparing":
      return "Preparing the payment…";
    case "waiting_for_card":
      return `Waiting for card on ${readerName(step.reader)}: insert, tap or swipe.`;
    case "processing":
      return "Processing: the bank is deciding…";
    case "approved":
      return `Approved${step.card ? `: ${step.card}` : ""}${step.wallet ? ` (${wallet(step.wallet)})` : ""}.`;
    case "authorized":
      return `Held on the card${step.card ? ` (${step.card})` : ""}: capture it when the work is done.`;
    case "declined":
      return `Declined: ${step.reason}`;
    case "timed_out":
      return "No card was presented; the reader was cleared. Charge again, or take cash or a check.";
  }
}

/** "Apple Pay" for "apple_pay". */
export function wallet(type: string): string {
  return type.split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}
