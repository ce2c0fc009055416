import { describe, expect, it } from "vitest";
import type { Payment } from "../api";
import { cardStepText, paymentLine } from "./paymentFormat";

const base: Payment = {
  id: 1, repair_order: 1001, method: "cash", amount: 10_000, status: "succeeded", refunded: 0, tendered: 12_000, change: 2_000,
  check_number: null, intent_id: null, reader_id: null, card: null, wallet: null, failure: null,
  created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
};

describe("the payment panel's words", () => {
  it("says where a card payment is", () => {
    const name = (id: string) => (id === "tmr_1" ? "Front counter" : id);
    expect(cardStepText({ step: "waiting_for_card", reader: "tmr_1" }, name)).toBe("Waiting for card on Front counter: insert, tap or swipe.");
    expect(cardStepText({ step: "approved", card: "Visa •••• 4242", wallet: "apple_pay" }, name)).toBe("Approved: Visa •••• 4242 (Apple Pay).");
    expect(cardStepText({ step: "declined", reason: "Your card has insufficient funds." }, name)).toBe("Declined: Your card has insufficient funds.");
    expect(cardStepText({ step: "timed_out" }, name)).toContain("take cash or a check");
  });

  it("names each payment as the customer paid it", () => {
    expect(paymentLine(base)).toBe("Cash (handed over $120.00, change $20.00)");
    expect(paymentLine({ ...base, change: 0, tendered: 10_000 })).toBe("Cash");
    expect(paymentLine({ ...base, method: "check", check_number: "1047" })).toBe("Check #1047");
    expect(paymentLine({ ...base, method: "card", card: "Visa •••• 4242", wallet: "google_pay" })).toBe("Visa •••• 4242 (Google Pay)");
  });
});
