import { describe, expect, it } from "vitest";
import { cardStepText, wallet } from "./paymentFormat";

describe("the payment panel's words", () => {
  it("says where a card payment is", () => {
    const name = (id: string) => (id === "tmr_1" ? "Front counter" : id);
    expect(cardStepText({ step: "waiting_for_card", reader: "tmr_1" }, name)).toBe("Waiting for card on Front counter: insert, tap or swipe.");
    expect(cardStepText({ step: "approved", card: "Visa •••• 4242", wallet: "apple_pay" }, name)).toBe("Approved: Visa •••• 4242 (Apple Pay).");
    expect(cardStepText({ step: "declined", reason: "Your card has insufficient funds." }, name)).toBe("Declined: Your card has insufficient funds.");
    expect(cardStepText({ step: "timed_out" }, name)).toContain("take cash or a check");
    expect(wallet("google_pay")).toBe("Google Pay");
  });
});
