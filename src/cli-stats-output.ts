// What `kopt stats` prints as text: the figures, then what could not be computed.
import type { Distribution } from "./analyze/outcome-stats.ts";
import { formatMoney, formatPercent } from "./model/format.ts";
import type { StatsOutcome } from "./workflows/stats.ts";

const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
const rate = (r: number | null) => (r === null ? "n/a" : formatPercent(r));
const dist = (d: Distribution | null, unit: string) =>
  d === null ? "n/a" : `median ${d.median} ${unit}, p90 ${d.p90} ${unit} (${d.count})`;
/** Minutes as a person reads a span: 42 min, 5.2 h, 13.7 d. */
const span = (minutes: number) => {
  const one = (x: number) => Math.round(x * 10) / 10;
  if (Math.abs(minutes) < 120) return `${one(minutes)} min`;
  if (Math.abs(minutes) < 48 * 60) return `${one(minutes / 60)} h`;
  return `${one(minutes / 1440)} d`;
};
const spans = (d: Distribution | null) =>
  d === null ? "n/a" : `median ${span(d.median)}, p90 ${span(d.p90)} (${d.count})`;

export function statsText(s: StatsOutcome): string {
  const money = (n: number) => (s.savings.currency ? formatMoney(n, s.savings.currency, true) : String(n));
  const lines = [
    `kopt stats · cluster ${s.cluster} · last ${s.sinceText} (${day(s.since)} → ${day(s.until)})`,
    "",
    `Acceptance rate:  ${rate(s.acceptanceRate)} (${s.proposals.merged} merged, ${s.proposals.rejected} rejected)`,
    `Time to merge:    ${dist(s.timeToMergeHours, "h")}`,
    `Savings:          ${money(s.savings.realizedMonthly)}/month realized (${s.savings.validated} validated) of ${money(s.savings.proposedMonthly)}/month proposed`,
    `MTTD:             ${spans(s.incidents.mttdMinutes)}`,
    `MTTR:             ${spans(s.incidents.mttrMinutes)} · ${s.incidents.count} incident issue(s)`,
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
