// The trends section's Markdown (issue 17): CPU and memory requested vs used and cost per day, each as an
// xychart-beta followed by a table of the same numbers (GitHub's Mermaid may not draw xychart-beta).
import type { DayTrend } from "../../analyze/health/cluster-trends.ts";
import { formatMoney } from "../../model/format.ts";
import { bytes, cores, gib, mdTable, NONE } from "./cluster-format.ts";
import { xyChart } from "./mermaid.ts";

/** "11-20" from "2026-11-20": the axis has room for seven short labels. */
const short = (day: string) => day.slice(5);

function requestedVsUsed(
  days: readonly DayTrend[],
  what: "CPU" | "Memory",
  pick: (d: DayTrend) => [number | null, number | null],
): string {
  const shown = days.filter((d) => pick(d)[0] !== null);
  // The chart shows what the table prints: cores and GiB to two decimals.
  const scale = what === "CPU" ? (v: number) => Math.round(v * 100) / 100 : gib;
  const unit = what === "CPU" ? "cores" : "GiB";
  const chart = xyChart({
    title: `${what} requested (bars) vs used (line), ${unit}, daily mean`,
    x: shown.map((d) => short(d.day)),
    yLabel: unit,
    bar: shown.map((d) => scale(pick(d)[0] as number)),
    line: shown.map((d) => scale(pick(d)[1] as number)),
  });
  const fmt = what === "CPU" ? cores : bytes;
  const table = mdTable(
    ["Day", `${what} requested`, `${what} used`, "Used / requested"],
    days.map((d) => {
      const [req, used] = pick(d);
      const share = req && used !== null ? `${Math.round((used / req) * 100)}%` : NONE;
      return [d.day, fmt(req), fmt(used), share];
    }),
    [1, 2, 3],
  );
  return `${chart}\n\n${table}`;
}

export function trendsMarkdown(days: readonly DayTrend[], currency: string): string {
  if (!days.some((d) => d.cpuRequested !== null || d.memoryRequested !== null)) {
    return "No usage history in the last 7 days.";
  }
  const costDays = days.filter((d) => d.cost !== null);
  const cost = xyChart({
    title: `Cost of requests per day, ${currency}`,
    x: costDays.map((d) => short(d.day)),
    yLabel: currency,
    bar: costDays.map((d) => d.cost as number),
  });
  const costTable = mdTable(
    ["Day", "Cost of requests"],
    days.map((d) => [d.day, d.cost === null ? NONE : formatMoney(d.cost, currency)]),
    [1],
  );
  return [
    requestedVsUsed(days, "CPU", (d) => [d.cpuRequested, d.cpuUsed]),
    requestedVsUsed(days, "Memory", (d) => [d.memoryRequested, d.memoryUsed]),
    `${cost}\n\n${costTable}`,
    "Daily means over the usage history's steps (UTC days; today is partial). Requested: the requests the workloads declare now, for each pod that ran at a step; cost: those requests under the policy's prices.",
  ].join("\n\n");
}
