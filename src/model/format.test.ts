import { describe, expect, it } from "vitest";
import {
  formatAge,
  formatCores,
  formatDuration,
  formatMemoryDescription,
  formatMoney,
  formatPercent,
  formatReplicas,
  formatTime,
  formatUtcMinute,
} from "./format.ts";

describe("formatMoney", () => {
  it("writes USD with a $ and other currencies after the amount, with a true minus and an optional plus", () => {
    expect(formatMoney(12.5, "USD")).toBe("$12.50");
    expect(formatMoney(-43.9, "USD")).toBe("−$43.90");
    expect(formatMoney(11.5, "USD", true)).toBe("+$11.50");
    expect(formatMoney(3, "EUR")).toBe("3.00 EUR");
  });
});

describe("formatTime and formatUtcMinute", () => {
  it("write RFC 3339 in UTC, and a sentence's time to the minute", () => {
    expect(formatTime(1763640000)).toBe("2025-11-20T12:00:00.000Z");
    expect(formatUtcMinute(1763640000 + 30 * 60 + 59)).toBe("2025-11-20 12:30 UTC");
  });
});

describe("formatAge and formatDuration", () => {
  it("formatAge: whole days from a day on, whole hours below, minutes below an hour", () => {
    expect(formatAge(2 * 86400 + 5 * 3600)).toBe("2 days");
    expect(formatAge(86400)).toBe("1 day");
    expect(formatAge(5 * 3600 + 59)).toBe("5 hours");
    expect(formatAge(90)).toBe("1 minute");
    expect(formatAge(-5)).toBe("0 minutes");
  });

  it("formatDuration: the largest unit that divides it exactly", () => {
    expect(formatDuration(7 * 86400)).toBe("7 days");
    expect(formatDuration(36 * 3600)).toBe("36 hours");
    expect(formatDuration(90 * 60)).toBe("90 minutes");
    expect(formatDuration(45)).toBe("45 seconds");
  });
});

describe("formatMemoryDescription, formatPercent, formatReplicas, formatCores", () => {
  it("read as people write them", () => {
    expect(formatMemoryDescription(1.5 * 2 ** 30)).toBe("1.5 GiB");
    expect(formatMemoryDescription(200 * 2 ** 20)).toBe("200 MiB");
    expect(formatPercent(0.1234)).toBe("12.3%");
    expect(formatReplicas(1)).toBe("1 replica");
    expect(formatReplicas(3)).toBe("3 replicas");
    expect(formatCores(0.57512)).toBe("0.575 cores");
  });
});
