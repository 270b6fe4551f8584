import { describe, expect, it } from "vitest";
import { above, atLeast, atMost, below, floorHours, roundHours, same } from "./numbers.ts";

describe("same, above, below, atLeast, atMost: float noise is no difference", () => {
  it("counts 0.1 + 0.2 as 0.3 and 110m - 100m as the full 10m", () => {
    expect(0.1 + 0.2 === 0.3).toBe(false);
    expect(same(0.1 + 0.2, 0.3)).toBe(true);
    expect(0.11 - 0.1 >= 0.01).toBe(false);
    expect(atLeast(0.11 - 0.1, 0.01)).toBe(true);
    expect(above(0.1 + 0.2, 0.3)).toBe(false);
    expect(below(0.3, 0.1 + 0.2)).toBe(false);
    expect(atMost(0.1 + 0.2, 0.3)).toBe(true);
  });

  it("still tells real differences apart, at any scale", () => {
    expect(same(1, 1.000001)).toBe(false);
    expect(above(2 ** 30 + 2 ** 20, 2 ** 30)).toBe(true);
    expect(below(0.009, 0.01)).toBe(true);
    expect(atLeast(0.009, 0.01)).toBe(false);
    expect(atMost(0.011, 0.01)).toBe(false);
  });

  it("compares null, booleans and undefined only by identity", () => {
    expect(same(null, null)).toBe(true);
    expect(same(null, 0)).toBe(false);
    expect(same(true, true)).toBe(true);
    expect(same(undefined, null)).toBe(false);
  });
});

describe("roundHours and floorHours", () => {
  it("round to 0.1h, and floor so 23.99h never reads as 24h", () => {
    expect(roundHours(23.96)).toBe(24);
    expect(floorHours(23.99)).toBe(23.9);
    expect(floorHours(24)).toBe(24);
  });
});
