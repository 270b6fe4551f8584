// The Markdown of the health report's process sections (incidents, pull requests, outcomes, savings), from
// the figures src/analyze/health/process-*.ts compute. Names and titles come from the cluster and the forge:
// every cell is escaped (src/propose/markdown.ts).
import type { IncidentsData } from "../../analyze/health/process-incidents.ts";
import type { OutcomesData } from "../../analyze/health/process-outcomes.ts";
import type { PullsData } from "../../analyze/health/process-pulls.ts";
import type { SavingsData } from "../../analyze/health/process-savings.ts";
import { formatMinutes, formatMoney, formatPercent, formatUtcMinute } from "../../model/format.ts";
import type { Spread } from "../../model/report.ts";
import { mdCell, mdLink } from "../markdown.ts";

/** A GitHub table; cells are already escaped. */
export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${headers.join(" | ")} |`,
    `|${headers.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

const time = (t: number | null) => (t === null ? "—" : formatUtcMinute(t));
const spread = (s: Spread | null) =>
  s ? `${formatMinutes(s.median)} (p90 ${formatMinutes(s.p90)}, ${s.count})` : "—";
const link = (label: string, url: string) => (url ? mdLink(label, url) : mdCell(label));

export function incidentsMarkdown(d: IncidentsData): string {
  const parts: string[] = [];
  if (d.week) {
    parts.push(
      mdTable(
        ["Opened", "Resolved", "Still open", "MTTD median (p90, n)", "MTTR median (p90, n)"],
        [
          [
            String(d.week.opened),
            String(d.week.resolved),
            String(d.week.stillOpen),
            spread(d.week.mttdMinutes),
            spread(d.week.mttrMinutes),
          ],
        ],
      ),
    );
  }
  parts.push(
    d.current.length === 0
      ? "kopt diagnose sees nothing failing now."
      : `Failing now (kopt diagnose):\n\n${mdTable(
          ["Incident", "Cause", "Workloads", "First seen", "Fix", "Issue"],
          d.current.map((i) => [
            mdCell(i.title),
            mdCell(i.cause),
            String(i.workloads),
            time(i.firstSeen),
            mdCell(i.fix),
            i.issue ? link(`#${i.issue.number}`, i.issue.url) : "—",
          ]),
        )}`,
  );
  if (d.issues.length > 0) {
    parts.push(
      `Incident issues of the week:\n\n${mdTable(
        ["Issue", "Title", "Opened", "Resolved", "Time to detect", "Time to resolve"],
        d.issues.map((i) => [
          link(`#${i.number}`, i.url),
          mdCell(i.title),
          time(i.detectedAt),
          time(i.resolvedAt),
          minutesBetween(i.firstFailure, i.detectedAt),
          minutesBetween(i.detectedAt, i.resolvedAt),
        ]),
      )}`,
    );
  }
  return parts.join("\n\n");
}

function minutesBetween(from: number | null, to: number | null): string {
  return from === null || to === null ? "—" : formatMinutes(Math.max(0, (to - from) / 60));
}

export function pullsMarkdown(d: PullsData): string {
  const parts = [
    mdTable(
      ["Opened", "Merged", "Closed unmerged", "Open now", "Waiting past their SLA"],
      [[d.opened, d.merged, d.closedUnmerged, d.open, d.pastSla].map((xs) => String(xs.length))],
    ),
    `Approval latency of the week's merges, per tier:\n\n${mdTable(
      ["Tier", "SLA", "Median", "p90", "Merged", "Within SLA"],
      d.latency.map((r) => [
        r.tier,
        formatMinutes(r.slaMinutes),
        r.latency ? formatMinutes(r.latency.median) : "—",
        r.latency ? formatMinutes(r.latency.p90) : "—",
        String(r.latency?.count ?? 0),
        r.latency ? `${r.withinSla} of ${r.latency.count}` : "—",
      ]),
    )}`,
  ];
  if (d.pastSla.length > 0) {
    parts.push(
      `Waiting for approval past their SLA:\n\n${mdTable(
        ["Pull request", "Tier", "Waited", "SLA", "Missing"],
        d.pastSla.map((p) => [
          link(`#${p.pr} ${p.title}`, p.url),
          p.tier,
          formatMinutes(p.waitedMinutes),
          formatMinutes(p.slaMinutes),
          mdCell(p.missing.join("; ")),
        ]),
      )}`,
    );
  }
  return parts.join("\n\n");
}

export function outcomesMarkdown(d: OutcomesData, currency: string): string {
  const c = d.counts;
  const parts = [
    mdTable(
      ["Validated", "Regressed", "Rolled back", "Not applied", "Awaiting verification"],
      [[c.validated, c.regressed, c["rolled-back"], c["not-applied"], d.awaiting].map(String)],
    ),
  ];
  if (d.rows.length > 0) {
    parts.push(
      mdTable(
        ["Change", "Kind", "Tier", "Outcome", "When", "Pull request", "Monthly cost"],
        d.rows.map((r) => [
          mdCell(r.title),
          r.kind,
          r.tier,
          r.outcome,
          time(r.at),
          r.pullRequest === null ? "—" : `#${r.pullRequest}`,
          r.monthlyDelta === null ? "—" : formatMoney(r.monthlyDelta, currency, true),
        ]),
      ),
    );
  }
  return parts.join("\n\n");
}

export function savingsMarkdown(d: SavingsData): string {
  const m = (n: number | null) => (n === null ? "—" : formatMoney(n, d.currency));
  const goal = formatPercent(d.goal);
  const parts = [
    mdTable(
      ["", "Monthly"],
      [
        ["Cost of requests now", m(d.monthlyRequestsNow)],
        [`Saved by validated changes (${d.validatedChanges ?? "—"})`, m(d.realizedMonthly)],
        ["… of which merged this week", m(d.realizedThisWeekMonthly)],
        ["Before kopt's changes (now + saved)", m(d.baselineMonthly)],
        ["Waiting in open pull requests", m(d.waitingMonthly)],
        [
          `Progress toward the ${goal} goal`,
          d.goalProgress === null ? "—" : `${formatPercent(d.goalProgress)} of ${goal}`,
        ],
      ],
    ),
  ];
  if (d.waiting.length > 0) {
    parts.push(
      `Open pull requests (monthly cost change):\n\n${mdTable(
        ["Pull request", "Tier", "Monthly cost"],
        d.waiting.map((w) => [
          link(`#${w.pr} ${w.title}`, w.url),
          w.tier,
          formatMoney(w.monthlyDelta, w.currency, true),
        ]),
      )}`,
    );
  }
  return parts.join("\n\n");
}
