// Words and tones for messages: pure, so they are unit-tested without a webview.
import type { Draft, Message, MessageChannel } from "../api";

export const CHANNEL_WORD: Record<MessageChannel, string> = { sms: "Text", email: "Email", push: "Push", in_app: "Note" };

/** How a message's state looks: good, waiting, or needing someone's attention. */
export function stateTone(state: string): "ok" | "wait" | "bad" {
  if (["delivered", "received", "sent"].includes(state)) return "ok";
  if (["undelivered", "failed", "not_sent"].includes(state)) return "bad";
  return "wait";
}

/** "Goes by text · 2 segments", or why it can't go at all. */
export function draftSummary(draft: Draft): string {
  if (!draft.channel) return "Can't be sent: no channel reaches this customer (see why below).";
  const by = `Goes by ${CHANNEL_WORD[draft.channel].toLowerCase()}`;
  const segments = draft.segments;
  if (!segments) return draft.attachment ? `${by}, with the ${draft.attachment} PDF attached` : by;
  const n = `${segments.segments} segment${segments.segments === 1 ? "" : "s"}`;
  const unicode = segments.encoding === "ucs2" && segments.first_non_gsm ? ` ("${segments.first_non_gsm}" makes it Unicode: 70 characters a segment, not 160)` : "";
  const long = segments.too_long ? ` — ${segments.characters} characters is over the 1,600 limit: shorten it or email it` : "";
  return `${by} · ${segments.characters} characters · ${n}${unicode}${long}`;
}

/** The line under a message: channel, who, state in words. */
export function messageMeta(m: Message): string {
  const way = m.direction === "in" ? `${CHANNEL_WORD[m.channel]} from ${m.to_hint}` : `${CHANNEL_WORD[m.channel]} to ${m.to_hint}`;
  return `${way} · ${m.state_words}`;
}
