// The pods section's Markdown (issue 17): a pie of pod states, the same numbers by namespace as a table, and
// the workloads with failing pods.
import type { PodHealth } from "../../analyze/health/cluster-pods.ts";
import { mdCell } from "../markdown.ts";
import { mdTable } from "./cluster-format.ts";
import { pieChart } from "./mermaid.ts";

export function podsMarkdown(h: PodHealth): string {
  const t = h.total;
  const pie = pieChart("Pods by state", [
    { label: "Running", value: t.running },
    { label: "Pending", value: t.pending },
    { label: "Failing", value: t.failing },
    { label: "Succeeded", value: t.succeeded },
  ]);
  const row = (name: string, c: PodHealth["total"]) =>
    [name, c.running, c.pending, c.failing, c.succeeded, c.restarts, c.oomKills].map(String);
  const table = mdTable(
    ["Namespace", "Running", "Pending", "Failing", "Succeeded", "Restarts", "OOM kills"],
    [...h.namespaces.map((n) => row(mdCell(n.namespace), n)), row("**All**", t)],
    [1, 2, 3, 4, 5, 6],
  );
  const oom =
    h.oomKillsFrom === "history"
      ? "OOM kills over the week, from the usage history."
      : "OOM kills: containers whose last termination was OOMKilled (the usage history has no OOM kills, so earlier kills do not count).";
  const parts = [
    pie ?? "No pods.",
    table,
    `Restarts: the current pods' containers since each pod started. ${oom}`,
  ];
  if (h.failingWorkloads.length > 0) {
    parts.push(
      mdTable(
        ["Failing", "Pods failing", "Why"],
        h.failingWorkloads.map((w) => [
          mdCell(w.subject),
          w.pods === 0 ? `no pods (${w.wanted} wanted)` : `${w.failing} of ${w.pods}`,
          mdCell(w.reasons.join(", ")),
        ]),
        [1],
      ),
    );
  }
  return parts.join("\n\n");
}
