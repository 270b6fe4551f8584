// The cluster sections' Markdown (issue 17) on small inputs: what a reader sees for a down workload, a sick
// node, names that carry Markdown, and sections without data.
import { describe, expect, it } from "vitest";
import type { NodeHealth } from "../src/analyze/health/cluster-nodes.ts";
import type { PodHealth } from "../src/analyze/health/cluster-pods.ts";
import { costMarkdown } from "../src/propose/report/cluster-cost.ts";
import { nodesMarkdown } from "../src/propose/report/cluster-nodes.ts";
import { podsMarkdown } from "../src/propose/report/cluster-pods.ts";
import { servicesMarkdown } from "../src/propose/report/cluster-services.ts";
import { trendsMarkdown } from "../src/propose/report/cluster-trends.ts";

const GI = 2 ** 30;
const counts = { running: 0, pending: 0, failing: 0, succeeded: 0, restarts: 0, oomKills: 0 };

describe("cluster sections' Markdown", () => {
  it("pods: a workload without pods, and a namespace name that would format, escaped in its cell", () => {
    const h: PodHealth = {
      namespaces: [{ namespace: "a|b_", ...counts, running: 2 }],
      total: { ...counts, running: 2 },
      failingWorkloads: [
        {
          subject: "Deployment shop/web",
          workload: null,
          failing: 0,
          pods: 0,
          reasons: ["no pods"],
          wanted: 3,
        },
      ],
      oomKillsFrom: "history",
    };
    const md = podsMarkdown(h);
    expect(md).toContain("| a\\|b\\_ | 2 | 0 | 0 | 0 | 0 | 0 |");
    expect(md).toContain("| Deployment shop/web | no pods (3 wanted) | no pods |");
    expect(md).toContain("OOM kills over the week, from the usage history.");
  });

  it("pods: no pods is said in words, not as an empty pie", () => {
    const md = podsMarkdown({
      namespaces: [],
      total: counts,
      failingWorkloads: [],
      oomKillsFrom: "last-state",
    });
    expect(md).toMatch(/^No pods\.\n\n\| Namespace \|/);
    expect(md).not.toContain("```mermaid");
  });

  it("nodes: conditions that are not normal, cordoning, and usage not known", () => {
    const node: NodeHealth = {
      name: "n1",
      ready: "False",
      unschedulable: true,
      abnormal: [
        { type: "Ready", status: "False", reason: "KubeletNotReady", message: null },
        { type: "DiskPressure", status: "True", reason: null, message: null },
      ],
      allocatable: { cpu: 4, memory: 16 * GI },
      requested: { cpu: 1.5, memory: 2 * GI },
      used: { cpu: null, memory: null },
      pods: 4,
    };
    expect(nodesMarkdown([node], [])).toContain(
      "| n1 | False | Ready=False (KubeletNotReady), DiskPressure=True, cordoned | 4 | 4 | 1.5 | — | 16 GiB | 2 GiB | — |",
    );
    expect(nodesMarkdown([], [])).toMatch(/^No Node objects were read\./);
  });

  it("services, trends and cost without data say so", () => {
    expect(servicesMarkdown([], "Prometheus at http://p")).toBe(
      "No service had traffic in the week (Prometheus at http://p).",
    );
    const empty = { cpuRequested: null, cpuUsed: null, memoryRequested: null, memoryUsed: null, cost: null };
    expect(trendsMarkdown([{ day: "2026-11-20", ...empty }], "USD")).toBe(
      "No usage history in the last 7 days.",
    );
    expect(costMarkdown({ currency: "EUR", namespaces: [], total: 0 })).toContain(
      "| **Total** |  |  |  | **0.00 EUR** |",
    );
  });
});
