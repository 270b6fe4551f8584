// The security posture audit as Markdown (issue 17): the summary by severity, the critical findings first
// with the security team mentioned (escalation), the ranked table, week over week (new / fixed / still open),
// the vulnerabilities or why there are none, and what could not be read. The body stays under the issue
// limit: the ranked table is cut to fit, saying so and pointing to the report PHR. Pure.
import { rfc3339 } from "../../model/format.ts";
import {
  ISSUE_BODY_MAX,
  type IsoWeek,
  type RenderedReport,
  resourceLabel,
  SEVERITIES,
  type SecurityAudit,
  type SecurityCheck,
  type SecurityFinding,
  type Severity,
} from "../../model/report.ts";
import { weekMonday } from "../../model/week.ts";
import { mdCell, mdCellCode, mdLink, mdText } from "../markdown.ts";
import { reportTitle } from "./issue-marker.ts";

export interface SecurityMarkdownOptions {
  /** How the security team is mentioned: `@acme/security`, or `@bob @carol` (src/workflows/gate.ts groupMention). */
  securityTeam: string;
  /** The report PHR's path, where the whole report is kept: named when the table is cut. */
  phrPath?: string;
  /** Default ISSUE_BODY_MAX. */
  maxChars?: number;
}

const ICON: Record<Severity, string> = { critical: "🔴", high: "🟠", medium: "🟡", low: "⚪" };

function countBy(findings: readonly SecurityFinding[]): Record<Severity, number> {
  const out = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}

/**
 * The audit's summary. It names the day it observed, not the second: a rerun the same day (a scheduled run after
 * a manual one, a restarted agent) then leaves the issue and the report PHR as they are.
 */
function summary(audit: SecurityAudit): string[] {
  const counts = countBy(audit.findings);
  const day = rfc3339(new Date(audit.observedAt * 1000)).slice(0, 10);
  return [
    "## Summary",
    "",
    `${audit.findings.length} finding(s) from ${audit.checks.length} checks, observed ${day} (UTC).`,
    "",
    "| Severity | Findings |",
    "|---|---:|",
    ...SEVERITIES.map((s) => `| ${ICON[s]} ${s} | ${counts[s]} |`),
  ];
}

function checkOf(audit: SecurityAudit, id: string): SecurityCheck | undefined {
  return audit.checks.find((c) => c.id === id);
}

function criticalSection(audit: SecurityAudit, team: string): string[] {
  const critical = audit.findings.filter((f) => f.severity === "critical");
  if (critical.length === 0) return [];
  const lines = critical.map((f) => {
    const c = checkOf(audit, f.check);
    const runbook = c ? ` (${mdLink("runbook", c.runbook)})` : "";
    return `- **${mdText(c?.title ?? f.check)}**: ${mdText(resourceLabel(f.resource))}, ${mdText(f.detail)}. Fix: ${mdText(c?.fix ?? "see the runbook")}${runbook}`;
  });
  return [
    "## Critical findings",
    "",
    `${team}: ${critical.length} critical finding(s) need the security team's attention.`,
    "",
    ...lines,
  ];
}

function findingRow(audit: SecurityAudit, f: SecurityFinding, i: number): string {
  const c = checkOf(audit, f.check);
  const check = c ? mdLink(f.check, c.runbook) : mdCellCode(f.check);
  const fix = `${mdCell(c?.fix ?? "")}${f.valuesFix ? " (values fix)" : ""}`;
  return `| ${i + 1} | ${ICON[f.severity]} ${f.severity} | ${check} | ${mdCell(resourceLabel(f.resource))} | ${mdCell(f.detail)} | ${f.blastRadius} | ${fix} |`;
}

/** The ranked table, its first `shown` rows, and a line saying what was cut and where the rest is. */
function rankedSection(audit: SecurityAudit, shown: number, phrPath: string | undefined): string[] {
  const rows = audit.findings.slice(0, shown).map((f, i) => findingRow(audit, f, i));
  const cut = audit.findings.length - rows.length;
  const where = phrPath ? `the report PHR ${mdLink(phrPath, phrPath)}` : "`--output json`";
  return [
    "## Findings, ranked",
    "",
    ...(audit.findings.length === 0
      ? ["No findings."]
      : [
          "Ranked by severity, then by blast radius (pods, subjects or workloads it reaches).",
          "",
          "| # | Severity | Check | Resource | Detail | Reach | Fix |",
          "|---:|---|---|---|---|---:|---|",
          ...rows,
          ...(cut > 0
            ? [
                "",
                `_${cut} more finding(s) not shown to keep this issue under GitHub's limit: see ${where}._`,
              ]
            : []),
        ]),
  ];
}

function deltaSection(audit: SecurityAudit, max: number): string[] {
  if (!audit.delta) return ["## Week over week", "", "No earlier audit of this cluster to compare with."];
  const list = (keys: string[]) =>
    keys.length === 0
      ? "none"
      : `${keys
          .slice(0, max)
          .map((k) => mdCellCode(k))
          .join(", ")}${keys.length > max ? ` and ${keys.length - max} more` : ""}`;
  const { new: added, fixed, stillOpen } = audit.delta;
  return [
    "## Week over week",
    "",
    "| | Count | Findings |",
    "|---|---:|---|",
    `| New | ${added.length} | ${list(added)} |`,
    `| Fixed | ${fixed.length} | ${list(fixed)} |`,
    `| Still open | ${stillOpen.length} | ${list(stillOpen)} |`,
  ];
}

function vulnerabilitySection(audit: SecurityAudit): string[] {
  const v = audit.vulnerabilities;
  if (!v.available)
    return ["## Vulnerabilities", "", mdText(v.note ?? "Vulnerability reports could not be read.")];
  if (v.workloads.length === 0)
    return ["## Vulnerabilities", "", "Trivy Operator reported no vulnerabilities."];
  const rows = v.workloads.map(
    (w) =>
      `| ${mdCell(resourceLabel(w.workload))} | ${mdCellCode(w.image)} | ${w.counts.critical} | ${w.counts.high} | ${w.counts.medium} | ${w.counts.low} | ${w.counts.unknown} |`,
  );
  const top = v.workloads.flatMap((w) =>
    w.top.map(
      (t) =>
        `| ${mdCell(resourceLabel(w.workload))} | ${mdCellCode(t.id)} | ${t.severity} | ${mdCellCode(t.resource)} | ${mdCellCode(t.installed)} | ${t.fixed ? mdCellCode(t.fixed) : "no fix yet"} |`,
    ),
  );
  return [
    "## Vulnerabilities",
    "",
    "| Workload | Image | Critical | High | Medium | Low | Unknown |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...rows,
    ...(top.length > 0
      ? [
          "",
          "Top CVEs per workload (most severe, fixable first):",
          "",
          "| Workload | CVE | Severity | Package | Installed | Fixed in |",
          "|---|---|---|---|---|---|",
          ...top,
        ]
      : []),
  ];
}

function notesSection(audit: SecurityAudit): string[] {
  if (audit.notes.length === 0) return [];
  return ["## Notes", "", ...audit.notes.map((n) => `- ${mdText(n)}`)];
}

function render(
  audit: SecurityAudit,
  opts: SecurityMarkdownOptions,
  shown: number,
  deltaMax: number,
): string {
  return [
    ...summary(audit),
    "",
    ...criticalSection(audit, opts.securityTeam),
    ...(audit.findings.some((f) => f.severity === "critical") ? [""] : []),
    ...rankedSection(audit, shown, opts.phrPath),
    "",
    ...deltaSection(audit, deltaMax),
    "",
    ...vulnerabilitySection(audit),
    "",
    ...notesSection(audit),
  ]
    .join("\n")
    .trimEnd()
    .concat("\n");
}

/**
 * The audit's Markdown, at most `maxChars`: the ranked table (then the week-over-week lists) is cut until it
 * fits. (Simple capping of the security body; the health report's generic cap is src/propose/report/cap.ts.)
 */
export function securityMarkdown(audit: SecurityAudit, opts: SecurityMarkdownOptions): string {
  const max = opts.maxChars ?? ISSUE_BODY_MAX;
  let shown = audit.findings.length;
  let deltaMax = 50;
  let text = render(audit, opts, shown, deltaMax);
  while (text.length > max && (shown > 0 || deltaMax > 0)) {
    // Cut by the share that is over, at least one row, so a long table fits in a few passes.
    const over = text.length / max;
    if (shown > 0) shown = Math.min(shown - 1, Math.floor(shown / over));
    else deltaMax = Math.max(0, Math.min(deltaMax - 10, Math.floor(deltaMax / over)));
    text = render(audit, opts, Math.max(0, shown), deltaMax);
  }
  return text.length > max ? `${text.slice(0, max - 40)}\n\n_(cut to GitHub's limit)_\n` : text;
}

/** The audit ready to publish: its issue title and body, and what next week's audit compares with. */
export function renderSecurityReport(
  audit: SecurityAudit,
  week: IsoWeek,
  opts: SecurityMarkdownOptions,
): RenderedReport {
  return {
    kind: "security",
    cluster: audit.cluster,
    period: week.id,
    title: reportTitle("security", audit.cluster, weekMonday(week)),
    body: securityMarkdown(audit, opts),
    record: { findings: audit.findings.map((f) => f.fingerprint) },
    critical: audit.findings.filter((f) => f.severity === "critical").length,
  };
}
