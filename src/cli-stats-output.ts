// What `kopt stats` prints as text: the figures, then what could not be computed.
import type { Distribution } from "./analyze/outcome-stats.ts";
import { formatMoney, formatPercent } from "./model/format.ts";
import type { StatsOutcome } from "./workflows/stats.ts";

const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
const rate = (r: number | null) => (r === null ? "n/a" : formatPercent(r));
const dist = (d: Distribution | null, unit: string) =>
  d === null ? "n/a" : `median ${d.median} ${unit}, p90 ${d.p90} ${unit} (${d.count})`;

export function statsText(s: StatsOutcome): string {
  const money = (n: number) => (s.savings.currency ? formatMoney(n, s.savings.currency, true) : String(n));
  const lines = [
    `kopt stats · cluster ${s.cluster} · last ${s.sinceText} (${day(s.since)} → ${day(s.until)})`,
    "",
    `Acceptance rate:  ${rate(s.acceptanceRate)} (${s.proposals.merged} merged, ${s.proposals.rejected} rejected)`,
    `Time to merge:    ${dist(s.timeToMergeHours, "h")}`,
    `Savings:          ${money(s.savings.realizedMonthly)}/month realized (${s.savings.validated} validated) of ${money(s.savings.proposedMonthly)}/month proposed`,
    `MTTD:             ${dist(s.incidents.mttdMinutes, "min")}`,
    `MTTR:             ${dist(s.incidents.mttrMinutes, "min")} · ${s.incidents.count} incident issue(s)`,
  ];
  if (s.outcomes.length > 0) {
    lines.push(
      "",
      "| Kind | Tier | Merged | Validated | Regressed | Rolled back | Regression rate | Rollback rate |",
    );
    lines.push("|---|---|---|---|---|---|---|---|");
    for (const o of s.outcomes) {
      lines.push(
        `| ${o.kind} | ${o.tier} | ${o.merged} | ${o.validated} | ${o.regressed} | ${o.rolledBack} | ${rate(o.regressionRate)} | ${rate(o.rollbackRate)} |`,
      );
    }
  }
  if (s.notes.length > 0) lines.push("", "Not computed or partial:", ...s.notes.map((n) => `  - ${n}`));
  return lines.join("\n");
}
