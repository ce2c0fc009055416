import { describe, expect, it } from "vitest";
import { draftSummary, stateTone } from "./messageFormat";

const plan = { channels: [], not_offered: [] };

describe("message words", () => {
  it("says how many segments and why a text became Unicode", () => {
    const draft = {
      plan, channel: "sms" as const, subject: "", body: "Ready 👍", hold_until: null, attachment: null,
      segments: { encoding: "ucs2" as const, segments: 1, characters: 7, first_non_gsm: "👍", too_long: false },
    };
    expect(draftSummary(draft)).toBe('Goes by text · 7 characters · 1 segment ("👍" makes it Unicode: 70 characters a segment, not 160)');
  });

  it("says when nothing can reach the customer, and names the attachment of an email", () => {
    expect(draftSummary({ plan, channel: null, subject: "", body: "", segments: null, hold_until: null, attachment: null })).toContain("Can't be sent");
    expect(draftSummary({ plan, channel: "email", subject: "", body: "", segments: null, hold_until: null, attachment: "estimate" })).toBe(
      "Goes by email, with the estimate PDF attached",
    );
  });

  it("marks what needs attention", () => {
    expect(stateTone("delivered")).toBe("ok");
    expect(stateTone("undelivered")).toBe("bad");
    expect(stateTone("scheduled")).toBe("wait");
  });
});
