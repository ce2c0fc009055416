// Reading and writing what a service writer sees: money, rates, phones, dates.
// Money is integer cents end to end; these helpers only convert at the edge of the screen.

/** `$1,234.56`, `-$3.00`. */
export function money(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, "0")}`;
}

/** Reads `145`, `145.5`, `$1,450.00` as cents; `null` when it is not an amount. */
export function parseMoney(text: string): number | null {
  const trimmed = text.trim().replace(/^\$/, "");
  // commas only as thousands separators: "31,50" would otherwise read as 3150
  if (trimmed.includes(",") && !/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(trimmed)) return null;
  const clean = trimmed.replace(/,/g, "");
  const match = /^(\d*)(?:\.(\d{0,2}))?$/.exec(clean);
  if (!match || (match[1] === "" && (match[2] ?? "") === "")) return null;
  const dollars = match[1] === "" ? 0 : Number(match[1]);
  const cents = Number((match[2] ?? "").padEnd(2, "0"));
  const total = dollars * 100 + cents;
  return Number.isSafeInteger(total) ? total : null;
}

/** Cents as the plain number a form field holds: `145.50`. */
export function moneyInput(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** A rate in parts per million as a percentage: `8.25`. */
export function rateInput(ppm: number): string {
  return String(ppm / 10_000);
}

/** Reads `8.25` or `8.25%` (up to four decimals) as parts per million; `null` otherwise. */
export function parseRate(text: string): number | null {
  const match = /^(\d{1,3})(?:\.(\d{0,4}))?$/.exec(text.trim().replace(/\s*%$/, ""));
  if (!match) return null;
  const ppm = Number(match[1]) * 10_000 + Number((match[2] ?? "").padEnd(4, "0"));
  return ppm <= 1_000_000 ? ppm : null;
}

/** `+15552345678` → `(555) 234-5678`; other numbers as stored. */
export function phone(e164: string | null | undefined): string {
  if (!e164) return "";
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : e164;
}

/** A time as the counter reads it: `10:42 AM` today, `Nov 3, 10:42 AM` otherwise. */
export function when(iso: string, now: Date = new Date()): string {
  const t = new Date(iso);
  const time = t.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" });
  if (t.toDateString() === now.toDateString()) return time;
  return `${t.toLocaleDateString("en-US", { month: "short", day: "numeric" })}, ${time}`;
}

/** Thousands separators for odometers: `84,213`. */
export function miles(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1.5" → 1500 thousandths; null when it is not a quantity. */
export function parseQuantity(text: string): number | null {
  const m = /^(\d*)(?:\.(\d{0,3}))?$/.exec(text.trim());
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return null;
  const milli = Number(m[1] || "0") * 1000 + Number((m[2] ?? "").padEnd(3, "0"));
  return milli > 0 ? milli : null;
}

/** How a scanned or typed search is meant: all digits of a UPC/EAN length is a barcode. */
export function searchKind(text: string): "upc" | "keyword" {
  return /^\d{8}$|^\d{12,14}$/.test(text.trim()) ? "upc" : "keyword";
}
