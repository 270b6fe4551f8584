// The services section's Markdown (issue 17): requests, error rate and latency percentiles per service.
import type { ServiceFigures } from "../../analyze/health/cluster-services.ts";
import { formatDecimal, formatPercent } from "../../model/format.ts";
import { mdCell } from "../markdown.ts";
import { latency, mdTable, NONE } from "./cluster-format.ts";

export function servicesMarkdown(services: readonly ServiceFigures[], source: string): string {
  if (services.length === 0) return `No service had traffic in the week (${source}).`;
  const table = mdTable(
    ["Service", "Requests/s", "Error rate (5xx)", "p50", "p95", "p99"],
    services.map((s) => [
      mdCell(s.service),
      formatDecimal(s.requestsPerSecond, 2),
      s.errorRate === null ? NONE : formatPercent(s.errorRate),
      latency(s.p50),
      latency(s.p95),
      latency(s.p99),
    ]),
    [1, 2, 3, 4, 5],
  );
  return `${table}\n\nOver the week, from ${source}.`;
}
