import { describe, expect, it } from "vitest";
import { isoWeek, parseIsoWeek, previousWeek, weekMonday } from "./week.ts";

describe("isoWeek", () => {
  it.each([
    ["2026-12-03T12:00:00Z", "2026-W49", "2026-11-30"],
    ["2026-11-30T00:00:00Z", "2026-W49", "2026-11-30"],
    ["2026-11-29T23:59:59Z", "2026-W48", "2026-11-23"],
    // The first days of January can belong to the last week of the year before, and late December to week 1.
    ["2027-01-01T00:00:00Z", "2026-W53", "2026-12-28"],
    ["2025-12-29T08:00:00Z", "2026-W01", "2025-12-29"],
    ["2021-01-03T10:00:00Z", "2020-W53", "2020-12-28"],
    ["2024-12-30T00:00:00Z", "2025-W01", "2024-12-30"],
  ])("%s is in %s (Monday %s)", (at, id, monday) => {
    const w = isoWeek(new Date(at));
    expect(w.id).toBe(id);
    expect(weekMonday(w)).toBe(monday);
    expect(w.end - w.start).toBe(7 * 86_400);
    expect(w.start).toBeLessThanOrEqual(Date.parse(at) / 1000);
    expect(w.end).toBeGreaterThan(Date.parse(at) / 1000);
  });
});

describe("parseIsoWeek", () => {
  it("round-trips every week of several years", () => {
    let w = isoWeek(new Date("2031-01-01T00:00:00Z"));
    for (let i = 0; i < 600; i++) {
      expect(parseIsoWeek(w.id)).toEqual(w);
      const before = previousWeek(w);
      expect(before.end).toBe(w.start);
      w = before;
    }
  });

  it.each(["2026-W54", "2025-W53", "2026-W00", "2026-w49", "2026-49", "26-W01", ""])("refuses %j", (id) => {
    expect(parseIsoWeek(id)).toBeUndefined();
  });

  it("accepts W53 in a long year", () => {
    expect(weekMonday(parseIsoWeek("2026-W53") as never)).toBe("2026-12-28");
  });
});
