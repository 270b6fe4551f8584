import { describe, expect, it } from "vitest";
import { MAX_CONTAINER_CPU_CORES, MAX_CONTAINER_MEMORY_BYTES } from "./bounds.ts";
import { formatCpu, formatMemory } from "./format.ts";
import { parseQuantity, roundCpuUp, roundMemoryUp } from "./quantity.ts";

const KI = 2 ** 10;
const MI = 2 ** 20;
const GI = 2 ** 30;

describe("parseQuantity", () => {
  it("reads millicores and plain cores", () => {
    expect(parseQuantity("250m")).toBeCloseTo(0.25, 12);
    expect(parseQuantity("0.5")).toBe(0.5);
    expect(parseQuantity("1")).toBe(1);
    expect(parseQuantity(".5")).toBe(0.5);
  });

  it("reads binary suffixes as powers of 1024", () => {
    expect(parseQuantity("2Gi")).toBe(2 * GI);
    expect(parseQuantity("512Mi")).toBe(512 * MI);
    expect(parseQuantity("4Ki")).toBe(4 * KI);
  });

  it("reads decimal suffixes and exponents", () => {
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("1.5k")).toBe(1500);
    expect(parseQuantity("100n")).toBeCloseTo(1e-7, 20);
    expect(parseQuantity("1M")).toBe(1e6);
    expect(parseQuantity("1G")).toBe(1e9);
  });

  it("tolerates surrounding whitespace", () => {
    expect(parseQuantity(" 512Mi ")).toBe(512 * MI);
  });

  it("returns undefined for text that is not a quantity", () => {
    expect(parseQuantity("12x")).toBeUndefined();
    expect(parseQuantity("")).toBeUndefined();
    expect(parseQuantity("Mi")).toBeUndefined();
    expect(parseQuantity("1.2.3")).toBeUndefined();
  });

  it("passes finite numbers through and rejects NaN and infinities", () => {
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity(0.25)).toBe(0.25);
    expect(parseQuantity(Number.NaN)).toBeUndefined();
    expect(parseQuantity(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe("formatCpu", () => {
  it("writes fractions of a core as millicores", () => {
    expect(formatCpu(0.25)).toBe("250m");
    expect(formatCpu(0.005)).toBe("5m");
  });

  it("writes whole cores without a suffix", () => {
    expect(formatCpu(2)).toBe("2");
    expect(formatCpu(1)).toBe("1");
  });

  it("writes fractional core counts above one as millicores", () => {
    expect(formatCpu(1.5)).toBe("1500m");
  });

  it("rounds float noise to the nearest millicore", () => {
    // 0.1 + 0.2 = 0.30000000000000004
    expect(formatCpu(0.1 + 0.2)).toBe("300m");
  });

  it("never prints exponent notation: a value past any bound is a bug, and throws", () => {
    expect(formatCpu(MAX_CONTAINER_CPU_CORES * 1.5)).toBe("1500");
    expect(() => formatCpu(1.05e30)).toThrow("cannot print 1.05e+30 as a CPU quantity");
    expect(() => formatCpu(Number.NaN)).toThrow();
    expect(() => formatCpu(Number.POSITIVE_INFINITY)).toThrow();
  });
});

describe("formatMemory", () => {
  it("uses the largest binary unit that divides exactly", () => {
    expect(formatMemory(GI)).toBe("1Gi");
    expect(formatMemory(384 * MI)).toBe("384Mi");
    expect(formatMemory(1536 * MI)).toBe("1536Mi");
    expect(formatMemory(3 * KI)).toBe("3Ki");
  });

  it("falls back to bytes when no unit divides", () => {
    expect(formatMemory(1000)).toBe("1000");
  });

  it("never prints exponent notation: a value past any bound is a bug, and throws", () => {
    expect(formatMemory(MAX_CONTAINER_MEMORY_BYTES * 1.5)).toBe("96Ti");
    expect(() => formatMemory(2 ** 60 * 1000)).toThrow("as a memory quantity");
    expect(() => formatMemory(Number.NaN)).toThrow();
  });
});

describe("roundCpuUp", () => {
  it("uses 5m steps under 100m", () => {
    expect(roundCpuUp(0.005)).toBe(0.005);
    expect(roundCpuUp(0.0051)).toBe(0.01);
    expect(roundCpuUp(0.0442)).toBe(0.045);
    expect(roundCpuUp(0.099)).toBe(0.1);
  });

  it("uses 10m steps from 100m up to one core", () => {
    expect(roundCpuUp(0.1)).toBe(0.1);
    expect(roundCpuUp(0.101)).toBe(0.11);
    expect(roundCpuUp(0.991)).toBe(1);
  });

  it("uses 50m steps from one core", () => {
    expect(roundCpuUp(1)).toBe(1);
    expect(roundCpuUp(1.001)).toBe(1.05);
    expect(roundCpuUp(2.26)).toBe(2.3);
  });

  it("does not bump a value that is on a step except for float noise", () => {
    // 0.2 * 1.3 = 0.26000000000000006 must stay 260m, not become 270m
    expect(roundCpuUp(0.2 * 1.3)).toBe(0.26);
  });

  it("keeps zero at zero", () => {
    // Math.ceil(0 - 1e-9) is -0; it compares equal to 0 and prints as "0m", so only == is asserted.
    expect(roundCpuUp(0) === 0).toBe(true);
    expect(formatCpu(roundCpuUp(0))).toBe("0m");
  });
});

describe("roundMemoryUp", () => {
  it("uses 4Mi steps under 128Mi", () => {
    expect(roundMemoryUp(MI)).toBe(4 * MI);
    expect(roundMemoryUp(32 * MI)).toBe(32 * MI);
    expect(roundMemoryUp(127 * MI)).toBe(128 * MI);
  });

  it("uses 16Mi steps from 128Mi up to 1Gi", () => {
    expect(roundMemoryUp(128 * MI)).toBe(128 * MI);
    expect(roundMemoryUp(128 * MI + 1)).toBe(144 * MI);
    expect(roundMemoryUp(1023 * MI)).toBe(1024 * MI);
  });

  it("uses 64Mi steps from 1Gi up to 8Gi", () => {
    expect(roundMemoryUp(1024 * MI)).toBe(1024 * MI);
    expect(roundMemoryUp(1025 * MI)).toBe(1088 * MI);
    expect(roundMemoryUp(8191 * MI)).toBe(8192 * MI);
  });

  it("uses 256Mi steps from 8Gi", () => {
    expect(roundMemoryUp(8192 * MI)).toBe(8192 * MI);
    expect(roundMemoryUp(8193 * MI)).toBe(8448 * MI);
  });

  it("keeps zero at zero", () => {
    // -0 as for roundCpuUp; equal to 0 and formatted as "0".
    expect(roundMemoryUp(0) === 0).toBe(true);
    expect(formatMemory(roundMemoryUp(0))).toBe("0");
  });
});
