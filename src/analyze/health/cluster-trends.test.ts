import { describe, expect, it } from "vitest";
import { API, GI, NOW, res, WEB, workload } from "../../../test/support/model-fixtures.ts";
import { seriesUsage } from "../../model/types.ts";
import { dailyTrends } from "./cluster-trends.ts";

const DAY = 86400;
/** Round prices: 1 per core-hour, 0.5 per GiB-hour. */
const PRICES = { currency: "EUR", cpuHour: 1, memoryGiBHour: 0.5 };
/** 2026-11-20 00:00 UTC; NOW is 12:00 that day. */
const TODAY = NOW - 12 * 3600;

describe("daily trends", () => {
  const state = {
    workloads: [workload(API, res([0.5, GI], [1, 2 * GI])), workload(WEB, res([0.25, null], [null, null]))],
  };
  // Two days back: two api pods at 06:00 and 18:00 (0.2 and 0.4 cores each), one web pod at 06:00 (0.1).
  // Yesterday: one api pod at 12:00 (0.3 cores, 0.5 GiB). Today: no samples.
  const d2 = TODAY - 2 * DAY;
  const usage = {
    containers: [
      {
        workload: API,
        container: "app",
        cpu: [
          seriesUsage("api-1", [
            [d2 + 6 * 3600, 0.2],
            [d2 + 18 * 3600, 0.4],
            [TODAY - DAY + 12 * 3600, 0.3],
          ]),
          seriesUsage("api-2", [
            [d2 + 6 * 3600, 0.2],
            [d2 + 18 * 3600, 0.4],
          ]),
        ],
        memory: [seriesUsage("api-1", [[TODAY - DAY + 12 * 3600, 0.5 * GI]])],
      },
      { workload: WEB, container: "app", cpu: [seriesUsage("web-1", [[d2 + 6 * 3600, 0.1]])], memory: [] },
    ],
  };
  const days = dailyTrends(state, usage, PRICES, NOW);

  it("gives the 7 UTC days up to today, oldest first, with nulls where there was no usage", () => {
    expect(days.map((d) => d.day)).toEqual([
      "2026-11-14",
      "2026-11-15",
      "2026-11-16",
      "2026-11-17",
      "2026-11-18",
      "2026-11-19",
      "2026-11-20",
    ]);
    expect(days[6]).toEqual({
      day: "2026-11-20",
      cpuRequested: null,
      cpuUsed: null,
      memoryRequested: null,
      memoryUsed: null,
      cost: null,
    });
  });

  it("averages each step's summed usage and the requests of the pods with a sample there, and prices them", () => {
    // 06:00: used 0.5, requested 0.5 + 0.5 + 0.25; 18:00: used 0.8, requested 1.0. Means: 0.65 and 1.125.
    // Cost: 1.125 cores x 1 x 24 h (no memory series that day).
    expect(days[4]).toEqual({
      day: "2026-11-18",
      cpuRequested: 1.125,
      cpuUsed: 0.65,
      memoryRequested: null,
      memoryUsed: null,
      cost: 27,
    });
    // One api pod: 0.5 cores and 1 GiB requested; (0.5 x 1 + 1 x 0.5) x 24 = 24.
    expect(days[5]).toEqual({
      day: "2026-11-19",
      cpuRequested: 0.5,
      cpuUsed: 0.3,
      memoryRequested: GI,
      memoryUsed: 0.5 * GI,
      cost: 24,
    });
  });

  it("counts a sample at midnight in the day before (it covers the step before it)", () => {
    const midnight = {
      containers: [
        { workload: API, container: "app", cpu: [seriesUsage("api-1", [[TODAY, 0.3]])], memory: [] },
      ],
    };
    const out = dailyTrends(state, midnight, PRICES, NOW);
    expect(out.find((d) => d.cpuUsed !== null)?.day).toBe("2026-11-19");
  });
});
