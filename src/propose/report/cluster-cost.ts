// The cost section's Markdown (issue 17): the monthly cost of the running pods' requests per namespace.
import type { CostNow } from "../../analyze/health/cluster-cost.ts";
import { formatMoney } from "../../model/format.ts";
import { mdCell } from "../markdown.ts";
import { bytes, cores, mdTable } from "./cluster-format.ts";

export function costMarkdown(c: CostNow): string {
  const money = (v: number) => formatMoney(v, c.currency);
  const table = mdTable(
    ["Namespace", "Running pods", "CPU requested", "Memory requested", "Monthly cost"],
    [
      ...c.namespaces.map((n) => [
        mdCell(n.namespace),
        String(n.pods),
        cores(n.cpuRequested),
        bytes(n.memoryRequested),
        money(n.monthly),
      ]),
      ["**Total**", "", "", "", `**${money(c.total)}**`],
    ],
    [1, 2, 3, 4],
  );
  return `${table}\n\nRequests are what nodes reserve, so they are what the cluster costs: 730 hours a month under the policy's prices (policy.pricing). CPU in cores.`;
}
