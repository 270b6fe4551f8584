import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, type PriceModel } from "../model/policy.ts";
import type { Resources } from "../model/types.ts";
import { HOURS_PER_MONTH, monthlyCost, round2 } from "./cost.ts";

const MI = 2 ** 20;
const GI = 2 ** 30;

function requests(cpu: number | null, memory: number | null): Resources {
  return { requests: { cpu, memory }, limits: { cpu: 4, memory: 8 * GI } };
}

describe("monthlyCost", () => {
  it("uses 730 hours a month", () => {
    expect(HOURS_PER_MONTH).toBe(730);
  });

  it("prices 1 CPU + 1 GiB of requests x 2 replicas at the default prices", () => {
    // (0.031611 + 0.004237) $/h x 2 x 730 h = 52.33808 -> 52.34
    expect(monthlyCost([requests(1, GI)], 2, DEFAULT_PRICES)).toBe(52.34);
  });

  it("sums containers and ignores limits", () => {
    const prices: PriceModel = { currency: "EUR", cpuHour: 0.04, memoryGiBHour: 0.005 };
    // (0.25 x 0.04 + 0.5 x 0.005) + (0.05 x 0.04 + 0.125 x 0.005) = 0.0125 + 0.002625 = 0.015125 $/h
    // x 3 replicas x 730 h = 33.12375 -> 33.12
    const cost = monthlyCost([requests(0.25, 512 * MI), requests(0.05, 128 * MI)], 3, prices);
    expect(cost).toBe(33.12);
  });

  it("counts an unset request as free", () => {
    // Only 2 GiB is priced: 2 x 0.004237 x 730 = 6.18602 -> 6.19
    expect(monthlyCost([requests(null, 2 * GI), requests(null, null)], 1, DEFAULT_PRICES)).toBe(6.19);
  });

  it("is zero for no replicas or no containers", () => {
    expect(monthlyCost([requests(1, GI)], 0, DEFAULT_PRICES)).toBe(0);
    expect(monthlyCost([], 5, DEFAULT_PRICES)).toBe(0);
  });
});

describe("round2", () => {
  it.each([
    [52.33808, 52.34],
    [26.16904, 26.17],
    [-26.17, -26.17],
    [0.004, 0],
    [0.005, 0.01],
  ])("rounds %d to %d", (n, expected) => {
    expect(round2(n)).toBe(expected);
  });
});
