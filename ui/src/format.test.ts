import { describe, expect, it } from "vitest";
import { money, parseMoney, parseQuantity, parseRate, searchKind, phone, rateInput } from "./format";

describe("money", () => {
  it("prints cents as dollars with grouping", () => {
    expect(money(12345678)).toBe("$123,456.78");
    expect(money(5)).toBe("$0.05");
    expect(money(-300)).toBe("-$3.00");
  });

  it("reads what people type and refuses the rest", () => {
    expect(parseMoney("145")).toBe(14500);
    expect(parseMoney("145.5")).toBe(14550);
    expect(parseMoney("$1,450.00")).toBe(145000);
    expect(parseMoney(".99")).toBe(99);
    for (const bad of ["", "abc", "1.234", "-3", "$", "1.2.3"]) expect(parseMoney(bad)).toBeNull();
  });

  it("never reads a decimal comma as a thousands separator", () => {
    expect(parseMoney("1,450")).toBe(145000);
    for (const bad of ["31,50", "1,45", ",450", "1,4500"]) expect(parseMoney(bad)).toBeNull();
  });
});

describe("rates", () => {
  it("reads percentages into parts per million", () => {
    expect(parseRate("8.25")).toBe(82500);
    expect(parseRate("8.875%")).toBe(88750);
    expect(parseRate("101")).toBeNull();
    expect(parseRate("eight")).toBeNull();
    expect(rateInput(82500)).toBe("8.25");
  });
});

describe("phone", () => {
  it("shows North American numbers the usual way", () => {
    expect(phone("+15552345678")).toBe("(555) 234-5678");
    expect(phone("+442079460958")).toBe("+442079460958");
    expect(phone(null)).toBe("");
  });
});

describe("estimate inputs", () => {
  it("reads quantities and hours in thousandths", () => {
    expect(parseQuantity("1")).toBe(1000);
    expect(parseQuantity("1.5")).toBe(1500);
    expect(parseQuantity(".25")).toBe(250);
    for (const bad of ["", "0", "-1", "1.2345", "two"]) expect(parseQuantity(bad)).toBeNull();
  });

  it("treats a barcode-length number as a scan and anything else as words", () => {
    expect(searchKind("012345678905")).toBe("upc");
    expect(searchKind("4006381333931")).toBe("upc");
    expect(searchKind("front brake pads")).toBe("keyword");
    expect(searchKind("D1234")).toBe("keyword");
    expect(searchKind("12345")).toBe("keyword");
  });
});
