// The nodes section's Markdown (issue 17): each node's health and its CPU and memory (allocatable vs requested
// vs used), then the capacity forecast.
import type { CapacityFinding } from "../../analyze/capacity.ts";
import type { NodeHealth } from "../../analyze/health/cluster-nodes.ts";
import { formatDecimal } from "../../model/format.ts";
import { mdCell } from "../markdown.ts";
import { bytes, cores, mdTable, NONE } from "./cluster-format.ts";

function health(n: NodeHealth): string {
  const parts = n.abnormal.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}`);
  if (n.unschedulable) parts.push("cordoned");
  return parts.length > 0 ? mdCell(parts.join(", ")) : "normal";
}

function capacityTable(capacity: readonly CapacityFinding[]): string {
  const amount = (c: CapacityFinding, v: number) =>
    Number.isFinite(v) ? (c.resource === "cpu" ? `${cores(v)} cores` : bytes(v)) : NONE;
  return mdTable(
    ["Resource", "Allocatable", "Requested", "Peak, last 24 h", "Forecast peak", "Full in"],
    capacity.map((c) => [
      c.resource === "cpu" ? "CPU" : "Memory",
      amount(c, c.allocatable),
      amount(c, c.requested),
      amount(c, c.usagePeakLastDay),
      `${amount(c, c.forecastPeak)} (next ${c.horizonDays} days)`,
      c.daysUntilFull === null
        ? `not within ${c.horizonDays} days`
        : `${formatDecimal(c.daysUntilFull, 1)} days`,
    ]),
    [1, 2, 3, 4],
  );
}

export function nodesMarkdown(nodes: readonly NodeHealth[], capacity: readonly CapacityFinding[]): string {
  const table = mdTable(
    [
      "Node",
      "Ready",
      "Conditions",
      "Pods",
      "CPU alloc.",
      "CPU req.",
      "CPU used",
      "Memory alloc.",
      "Memory req.",
      "Memory used",
    ],
    nodes.map((n) => [
      mdCell(n.name),
      n.ready ?? "unknown",
      health(n),
      String(n.pods),
      cores(n.allocatable.cpu),
      cores(n.requested.cpu),
      cores(n.used.cpu),
      bytes(n.allocatable.memory),
      bytes(n.requested.memory),
      bytes(n.used.memory),
    ]),
    [3, 4, 5, 6, 7, 8, 9],
  );
  const parts = [
    nodes.length > 0 ? table : "No Node objects were read.",
    "CPU in cores. Requested: the containers of the pods bound to the node; used: their latest usage.",
  ];
  if (capacity.length > 0) {
    parts.push(
      "Capacity forecast (the whole cluster's hourly usage peaks, Holt-Winters with daily and weekly seasonality):",
      capacityTable(capacity),
    );
  }
  return parts.join("\n\n");
}
