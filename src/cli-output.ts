// How command results read in a terminal and as JSON: all the text kopt prints for a command lives here, the
// workflows return data only. The JSON shapes are a contract (README).

import type { CapacityFinding } from "./analyze/capacity.ts";
import { sparkline } from "./cli-sparkline.ts";
import { APPROVAL_CONTEXT } from "./decide/approval.ts";
import type { PhrFault } from "./formats/phr.ts";
import type { Finding, FindingEvidence, Incident, ProbeEvidence } from "./model/finding.ts";
import {
  formatCpu,
  formatMemory,
  formatMemoryDescription,
  formatMinutes,
  formatMoney,
  formatTime,
} from "./model/format.ts";
import type { Recommendation, Skipped } from "./model/recommendation.ts";
import type { Resources, WorkloadRef } from "./model/types.ts";
import { workloadKey, workloadLabel } from "./model/types.ts";
import { evidenceRecord, oomEvidenceRecord } from "./propose/render.ts";
import type { AfterMergeOutcome } from "./workflows/after-merge.ts";
import type { CodeownersCheckResult } from "./workflows/codeowners-check.ts";
import type { DiagnoseOutcome } from "./workflows/diagnose.ts";
import type { GateOutcome } from "./workflows/gate.ts";
import type { MergeOutcome } from "./workflows/merge.ts";
import type { PlanOutcome } from "./workflows/plan.ts";
import type { RecommendOutcome } from "./workflows/recommend.ts";
import type { ReviewOutcome } from "./workflows/review.ts";
import type { RollbackOutcome } from "./workflows/rollback.ts";
import type { SetupOutcome } from "./workflows/setup.ts";
import type { SlaOutcome } from "./workflows/sla.ts";
import type { SnapshotOutcome } from "./workflows/snapshot.ts";
import type { VerifiedPhr, VerifyRun } from "./workflows/verify.ts";

function quantities(r: Resources) {
  const cpu = (v: number | null) => (v === null ? null : formatCpu(v));
  const mem = (v: number | null) => (v === null ? null : formatMemory(v));
  return {
    requests: { cpu: cpu(r.requests.cpu), memory: mem(r.requests.memory) },
    limits: { cpu: cpu(r.limits.cpu), memory: mem(r.limits.memory) },
  };
}

function fieldText(field: string, v: number | null): string {
  if (v === null) return "none";
  return field.endsWith("cpu") ? formatCpu(v) : formatMemory(v);
}

/** `kopt plan --output json`: the outcome, with its time in RFC 3339 like every time kopt prints. */
export function planJson(out: PlanOutcome) {
  return { ...out, observedAt: formatTime(out.observedAt) };
}

export function recommendJson(out: RecommendOutcome) {
  return {
    cluster: out.cluster,
    observedAt: formatTime(out.observedAt),
    source: out.source,
    warnings: out.warnings,
    recommendations: out.recommendations.map((r: Recommendation) => ({
      workload: r.workload,
      container: r.container,
      current: quantities(r.current),
      recommended: quantities(r.recommended),
      changes: r.changes.map((c) => ({
        field: c.field,
        from: c.from === null ? null : fieldText(c.field, c.from),
        to: c.to === null ? null : fieldText(c.field, c.to),
      })),
      confidence: r.confidence,
      evidence: evidenceRecord(r.evidence),
    })),
    skipped: out.skipped.map((s: Skipped) => ({
      workload: s.workload,
      container: s.container,
      reason: s.reason,
    })),
    capacity: out.capacity,
    oom: out.oom.map((o) => ({
      workload: o.workload,
      container: o.container,
      changes: o.changes.map((c) => ({
        field: c.field,
        from: c.from === null ? null : formatMemory(c.from),
        to: c.to === null ? null : formatMemory(c.to),
      })),
      evidence: oomEvidenceRecord(o.evidence),
    })),
    // The replica profile is the PR chart's data, not part of the JSON contract.
    hpa: out.hpa.map(({ profile: _, ...h }) => h),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const arrow = (field: string, from: number | null, to: number | null, changed: boolean) =>
  changed ? `${fieldText(field, from)} -> ${fieldText(field, to)}` : fieldText(field, from);

/**
 * `kopt recommend`'s table. With `sparklines` (a UTF-8 terminal: cli-sparkline.ts), two more columns show
 * each container's CPU and memory over the window, p95 per bucket from 0 to its peak.
 */
export function recommendTable(out: RecommendOutcome, opts: { sparklines?: boolean } = {}): string {
  const lines = [
    `kopt recommend · cluster ${out.cluster} · observed ${formatTime(out.observedAt)} · ${out.source}`,
    "",
  ];
  const days = Math.round((out.recommendations[0]?.evidence.window.hours ?? 168) / 24);
  const spark = opts.sparklines === true;
  const rows = [
    [
      ...["WORKLOAD", "CONTAINER", "CPU REQ", "MEM REQ", "CPU LIM", "MEM LIM", "CONF", "P95 CPU", "P95 MEM"],
      ...(spark ? [`CPU ${days}D`, `MEM ${days}D`] : []),
    ],
  ];
  for (const r of out.recommendations) {
    const changed = new Set(r.changes.map((c) => c.field));
    const cell = (field: "requests.cpu" | "requests.memory" | "limits.cpu" | "limits.memory") => {
      const [group, res] = field.split(".") as ["requests" | "limits", "cpu" | "memory"];
      return arrow(field, r.current[group][res], r.recommended[group][res], changed.has(field));
    };
    rows.push([
      workloadLabel(r.workload),
      r.container,
      cell("requests.cpu"),
      cell("requests.memory"),
      cell("limits.cpu"),
      cell("limits.memory"),
      `${Math.round(r.confidence * 100)}%`,
      `${Math.round(r.evidence.cpu.p95 * 1000)}m`,
      formatMemory(Math.round(r.evidence.memory.p95 / 2 ** 20) * 2 ** 20),
      ...(spark
        ? [sparkline(r.evidence.profile?.cpu ?? []), sparkline(r.evidence.profile?.memory ?? [])]
        : []),
    ]);
  }
  if (out.recommendations.length === 0) {
    const skipped = skippedGroups(out.skipped).length;
    lines.push(
      skipped > 0
        ? `No recommendations: no container could be sized (${skipped} skipped, see below).`
        : "No recommendations.",
    );
  } else
    lines.push(
      table(rows),
      "",
      "'a -> b' is a proposed change; a single value stays as is (within the minimum-change rule).",
    );
  if (out.oom.length > 0) {
    lines.push("", `OOM-killed: raise the memory limit now (${out.oom.length}):`);
    for (const o of out.oom) {
      const limit = o.changes.find((c) => c.field === "limits.memory");
      lines.push(
        `  ${workloadLabel(o.workload)}/${o.container}: limits.memory ${formatMemory(limit?.from ?? 0)} -> ${formatMemory(limit?.to ?? 0)}`,
      );
    }
  }
  if (out.hpa.length > 0) {
    lines.push("", `Horizontal scaling (${out.hpa.length}):`);
    for (const h of out.hpa) lines.push(`  ${workloadLabel(h.workload)}: ${h.reason}`);
  }
  if (out.skipped.length > 0) lines.push("", ...skippedLines(out.skipped));
  lines.push(...capacityLines(out.capacity));
  return lines.join("\n");
}

interface SkippedGroup {
  workload: WorkloadRef;
  containers: string[];
  reason: string;
  fix?: string;
}

/** Skipped containers by workload and reason: a workload whose containers share one cause is one line. */
function skippedGroups(skipped: readonly Skipped[]): SkippedGroup[] {
  const groups = new Map<string, SkippedGroup>();
  for (const s of skipped) {
    const key = `${workloadKey(s.workload)}|${s.reason}`;
    const group = groups.get(key);
    if (!group)
      groups.set(key, { workload: s.workload, containers: [s.container], reason: s.reason, fix: s.fix });
    else if (!group.containers.includes(s.container)) group.containers.push(s.container);
  }
  return [...groups.values()];
}

function skippedLines(skipped: readonly Skipped[]): string[] {
  const groups = skippedGroups(skipped);
  const who = (g: SkippedGroup) =>
    g.containers.length === 1
      ? `${workloadLabel(g.workload)}/${g.containers[0]}`
      : `${workloadLabel(g.workload)} (containers ${g.containers.join(", ")})`;
  return [
    `Skipped (${groups.length}):`,
    ...groups.flatMap((g) => [`  ${who(g)}: ${g.reason}`, ...(g.fix ? [`    fix: ${g.fix}`] : [])]),
  ];
}

/** Why a run proposes nothing: "nothing needs to change" only when something was analyzed and found right. */
/**
 * Plan's diagnosis: each incident once with its issue (or the probe proposal that fixes it); the whole of each
 * finding is `kopt diagnose`'s to print.
 */
function planDiagnosisLines(out: PlanOutcome): string[] {
  const { findings, incidents } = out.diagnosis;
  if (findings.length === 0) return [];
  const issues = new Map(out.incidentIssues.map((o) => [o.fingerprint, o]));
  const byFingerprint = new Map(findings.map((f) => [f.fingerprint, f]));
  const verb = out.dryRun ? "would be " : "";
  const lines = ["", `Diagnosis (${findings.length} finding(s), ${incidents.length} incident(s)):`];
  for (const i of incidents) {
    const members = i.findings.flatMap((fp) => byFingerprint.get(fp) ?? []);
    const cls = i.subCause ? `${i.class} (${i.subCause})` : i.class;
    lines.push("", `  ${i.title}`, `    ${cls} · ${members.map((f) => f.rootCause).join(" ")}`);
    const issue = issues.get(i.fingerprint);
    if (issue) {
      const where = issue.location ? `: ${issue.number > 0 ? `#${issue.number} ` : ""}${issue.location}` : "";
      lines.push(
        `    incident issue ${verb}${issue.status}${issue.reason ? ` (${issue.reason})` : ""}${where}`,
      );
    } else if (i.fix === "values") lines.push("    fix: a values change (see the proposals above)");
    lines.push(`    runbook ${members[0]?.runbook ?? `runbooks/${i.class}.md`} · evidence: kopt diagnose`);
  }
  const closed = out.incidentIssues.filter((o) => !incidents.some((i) => i.fingerprint === o.fingerprint));
  for (const o of closed)
    lines.push(`  ${o.title}: incident issue ${verb}${o.status}${o.reason ? ` (${o.reason})` : ""}`);
  return lines;
}

function noProposalsLine(out: PlanOutcome): string {
  const skipped = skippedGroups(out.skipped).length;
  if (out.heldBack.length > 0) {
    const counts = [`${out.heldBack.length} held back`, ...(skipped > 0 ? [`${skipped} skipped`] : [])];
    return `No proposals: ${counts.join(", ")} (see below).`;
  }
  if (out.unchanged.length === 0) {
    return skipped > 0
      ? `No proposals: no workload could be analyzed (${skipped} skipped, see below).`
      : "No proposals: no workloads to analyze.";
  }
  return skipped > 0
    ? `No proposals: nothing needs to change in what could be analyzed (${skipped} skipped, see below).`
    : "No proposals: nothing needs to change.";
}

export function planText(out: PlanOutcome): string {
  const verb = out.dryRun ? "would be " : "";
  const lines = [
    `kopt plan · cluster ${out.cluster} · ${out.source} · observed ${formatTime(out.observedAt)}${out.dryRun ? " · dry run: nothing written" : ""}`,
    "",
  ];
  if (out.proposals.length === 0) lines.push(noProposalsLine(out));
  else lines.push(`Proposals (${out.proposals.length}):`);
  let delta = 0;
  for (const p of out.proposals) {
    delta += p.cost.monthlyDelta;
    lines.push("");
    lines.push(`  ${p.title}`);
    lines.push(
      `    ${verb}${p.status}${p.reason ? ` (${p.reason})` : ""} · tier ${p.tier} · cost ${formatMoney(p.cost.monthlyDelta, p.cost.currency, true)}/month · confidence ${Math.round(p.confidence * 100)}%`,
    );
    for (const c of p.changes)
      lines.push(
        `    ${c.file}  ${c.path}: ${c.from ?? "unset"} -> ${c.to ?? "null"}${c.running === undefined ? "" : ` (running ${c.running})`}`,
      );
    for (const n of p.notes ?? []) lines.push(`    guardrail: ${n}`);
    for (const n of p.learned ?? []) lines.push(`    learned: ${n}`);
    for (const d of p.drift ?? []) lines.push(`    drift: ${d}`);
    lines.push(`    branch ${p.branch} (base ${out.baseBranch})`);
    lines.push(`    PHR    ${p.phr}`);
    if (p.draft) lines.push(`    PR     ${p.pullRequest ? `#${p.pullRequest} ` : ""}${p.draft}`);
  }
  if (out.proposals.length > 0) {
    const currency = out.proposals[0]?.cost.currency ?? "USD";
    lines.push(
      "",
      `Total monthly cost effect: ${formatMoney(Math.round(delta * 100) / 100, currency, true)}`,
    );
  }
  if (out.unchanged.length > 0) {
    lines.push("", `No change needed (${out.unchanged.length}):`);
    for (const u of out.unchanged) lines.push(`  ${workloadLabel(u.workload)}/${u.container}: ${u.reason}`);
  }
  lines.push(...planDiagnosisLines(out));
  lines.push(...capacityLines(out.capacity));
  if (out.heldBack.length > 0) {
    lines.push("", `Held back (${out.heldBack.length}):`);
    for (const h of out.heldBack)
      lines.push(`  ${workloadLabel(h.workload)} ${h.kind} [${h.rule}]: ${h.reason}`);
  }
  if (out.closed.length > 0) {
    lines.push("", `${out.dryRun ? "Would close" : "Closed"} (${out.closed.length}), recommendation gone:`);
    for (const c of out.closed) lines.push(`  ${c.location} (${c.branch}): ${c.reason}`);
  }
  if (out.drift.length > 0) {
    lines.push("", `Values file and cluster disagree (${out.drift.length}):`);
    for (const d of out.drift) {
      const fields = d.fields.map((f) => `${f.path} ${f.inValues} in ${f.setBy}, running ${f.running}`);
      lines.push(`  ${workloadLabel(d.workload)}: ${fields.join("; ")}`);
      if (d.unexplained) lines.push(`    not edited: ${d.unexplained}`);
    }
  }
  if (out.skipped.length > 0) lines.push("", ...skippedLines(out.skipped));
  return lines.join("\n");
}

export function snapshotText(out: SnapshotOutcome): string {
  const kinds = Object.entries(out.objects).map(([kind, n]) => `${n} ${kind}`);
  const total = Object.values(out.objects).reduce((a, b) => a + b, 0);
  const kib = (out.bytes / 1024).toFixed(out.bytes < 10 * 1024 ? 1 : 0);
  return [
    `kopt snapshot · cluster ${out.cluster} · ${out.source} · captured ${out.capturedAt}`,
    "",
    `Wrote ${out.file} (${kib} KiB, ${out.requests} API requests):`,
    `  objects  ${total}${kinds.length > 0 ? ` (${kinds.join(", ")})` : ""}`,
    `  logs     ${out.logs} current, ${out.previousLogs} previous (failing or restarting containers)`,
    `  metrics  ${out.metrics ? `${out.metrics.pods} pods, ${out.metrics.nodes} nodes` : "none (metrics.k8s.io not served)"}`,
    `  usage    ${
      out.usage
        ? `${Object.entries(out.usage)
            .map(([kind, n]) => `${n} ${kind}`)
            .join(", ")} series (${out.prometheusRequests} Prometheus requests)`
        : "none (no source.prometheus in kopt.yaml)"
    }`,
    `  redacted ${redactedText(out.redacted)}`,
    ...out.notes.map((n) => `  note     ${n}`),
  ].join("\n");
}

function redactedText(r: SnapshotOutcome["redacted"]): string {
  if (!r) return "nothing (--no-redact)";
  return `${r.envValues} env value(s), ${r.annotations} annotation(s), secrets in ${r.logs} log(s) and ${r.other} other field(s) (--no-redact keeps them)`;
}

/** "Capacity (next 7 days)" lines: the cluster against its nodes. */
export function capacityLines(capacity: readonly CapacityFinding[]): string[] {
  if (capacity.length === 0) return [];
  const show = (resource: "cpu" | "memory", v: number) =>
    resource === "cpu" ? `${v.toFixed(2)} cores` : formatMemoryDescription(v);
  const pct = (a: number, b: number) => `${Math.round((a / b) * 100)}%`;
  return [
    "",
    `Capacity (next ${capacity[0]?.horizonDays} days, ${capacity[0]?.method} on ${capacity[0]?.historyHours}h of hourly peaks):`,
    ...capacity.map(
      (c) =>
        `  ${c.resource.padEnd(6)} allocatable ${show(c.resource, c.allocatable)} · requested ${show(c.resource, c.requested)} (${pct(c.requested, c.allocatable)}) · used at peak ${show(c.resource, c.usagePeakLastDay)} (${pct(c.usagePeakLastDay, c.allocatable)}) · forecast peak ${show(c.resource, c.forecastPeak)} (${pct(c.forecastPeak, c.allocatable)}, fit error ${c.fitMape.toFixed(1)}%) · ${c.daysUntilFull === null ? `not full within ${c.horizonDays} days` : `full in ${c.daysUntilFull.toFixed(1)} days`}`,
    ),
  ];
}

// The approval lifecycle: gate, sla, after-merge, rollback, setup, codeowners check.

/** What `kopt gate` prints. */
export function gateText(o: GateOutcome): string {
  const lines = [
    `#${o.pr} ${APPROVAL_CONTEXT}: ${o.state} on ${o.headSha.slice(0, 7)} (${o.changed ? "status set" : "unchanged, not posted again"})`,
    `  ${o.description}`,
    `  cluster ${o.cluster}, tier ${o.tier ?? "none"}${o.tier ? `: ${o.tierReasons.join("; ")}` : ""}`,
  ];
  const a = o.approval;
  if (a) {
    if (a.counted.length > 0)
      lines.push(
        `  approved: ${a.counted.map((c) => (c.as.length ? `${c.user} (${c.as.join(", ")})` : c.user)).join(", ")}`,
      );
    if (a.stale.length > 0) lines.push(`  stale (an older commit): ${a.stale.join(", ")}`);
    if (a.changesRequested.length > 0) lines.push(`  changes requested: ${a.changesRequested.join(", ")}`);
    for (const i of a.ignored) lines.push(`  ignored: ${i.user} (${i.why})`);
    if (a.missing.length > 0) lines.push(`  missing: ${a.missing.join("; ")}`);
  }
  for (const f of o.invalidPhrs)
    lines.push(`  ${f.file}${f.line ? `:${f.line}` : ""}: ${f.field ? `${f.field}: ` : ""}${f.message}`);
  lines.push(`  ${o.targetUrl}`);
  return `${lines.join("\n")}\n`;
}

/** What `kopt sla` prints. */
export function slaText(o: SlaOutcome): string {
  const lines = [
    `Checked ${o.checked} open kopt pull request${o.checked === 1 ? "" : "s"}; ${o.breached.length} over ${o.breached.length === 1 ? "its" : "their"} approval SLA.`,
  ];
  for (const b of o.breached) {
    lines.push(
      `  #${b.pr} ${b.tier}: waited ${formatMinutes(b.waitedMinutes)} (SLA ${formatMinutes(b.slaMinutes)}), ${b.escalated ? "escalated now" : "already escalated"}; missing ${b.missing.join(" and ")}`,
    );
  }
  for (const s of o.skipped) lines.push(`  #${s.pr}: ${s.why}`);
  return `${lines.join("\n")}\n`;
}

/** What `kopt after-merge` prints: a block per cluster. */
export function afterMergeText(outcomes: AfterMergeOutcome[]): string {
  return outcomes.map(afterMergeClusterText).join("\n\n");
}

function afterMergeClusterText(o: AfterMergeOutcome): string {
  const lines = [`kopt after-merge · cluster ${o.cluster}`, ""];
  if (o.recorded.length === 0 && o.rejected.length === 0) {
    lines.push("Nothing to record: every merged PHR is already recorded.");
  }
  for (const r of o.recorded) {
    lines.push(
      `  ${r.phr}: approved in #${r.pullRequest} (merge ${r.mergeSha.slice(0, 7)}), by ${(r.approvals ?? []).map((a) => a.user).join(", ") || "nobody"}, latency ${r.approvalLatencyMinutes ?? "n/a"} min`,
    );
  }
  for (const r of o.rejected) {
    lines.push(
      `  ${r.phr}: rejected, #${r.pullRequest} closed unmerged ${r.closedAt} by ${r.closedBy ?? "a person"}`,
    );
  }
  if (o.record) {
    lines.push(
      "",
      o.record.mode === "commit"
        ? `Recorded in commit ${o.record.location.slice(0, 7)}`
        : `Record pull request ${o.record.location} (${o.record.status}${o.record.merged ? ", merged" : ", open"})`,
    );
  }
  return lines.join("\n");
}

/** What `kopt verify` prints: a line per PHR it looked at, then how the record landed. */
export function verifyText(run: VerifyRun): string {
  const lines = [`kopt verify · cluster ${run.cluster}${run.via ? ` · ${run.via}` : ""}`, ""];
  if (run.phrs.length === 0) lines.push("Nothing to verify: no merged change is waiting for its outcome.");
  for (const p of run.phrs) lines.push(...verifiedPhrLines(p));
  if (run.record) {
    lines.push(
      "",
      run.record.mode === "commit"
        ? `Recorded in commit ${run.record.location.slice(0, 7)}`
        : `Record pull request ${run.record.location} (${run.record.status}${run.record.merged ? ", merged" : ", open"})`,
    );
  }
  return lines.join("\n");
}

/** The JSON `kopt verify --output json` prints: the run as the workflow returns it. */
export function verifyJson(run: VerifyRun): VerifyRun {
  return run;
}

function verifiedPhrLines(p: VerifiedPhr): string[] {
  const pr = p.pullRequest ? ` (#${p.pullRequest})` : "";
  const lines = [`  ${p.result.padEnd(11)} ${p.phr}${pr} · status ${p.status}`];
  if (p.applied) {
    lines.push(
      `              applied ${p.applied.at}, revision ${p.applied.revision.slice(0, 7)}, via ${p.applied.via}`,
    );
  }
  for (const r of p.reasons) lines.push(`              ${r}`);
  if (p.revert) {
    const merged = p.revert.merged ? ", merged" : "";
    const number = p.revert.pullRequest ? `#${p.revert.pullRequest} ` : "";
    lines.push(`              revert ${number}${p.revert.location} (${p.revert.status}${merged})`);
  }
  if (p.commented) lines.push(`              commented on #${p.pullRequest}`);
  return lines;
}

/** What `kopt rollback` prints. */
export function rollbackText(o: RollbackOutcome): string {
  const r = o.rollback;
  return [
    `kopt rollback · ${o.original.title}`,
    "",
    `  reverts ${o.original.phr}${o.original.pullRequest ? ` (#${o.original.pullRequest})` : ""}, merge ${o.original.mergeSha.slice(0, 7)}`,
    `  ${r.status} · tier low · branch ${r.branch}${r.commit ? ` at ${r.commit.slice(0, 7)}` : ""}`,
    `  PHR    ${r.phr}`,
    `  PR     ${r.pullNumber ? `#${r.pullNumber} ` : ""}${r.location}`,
    ...(o.commented ? [`  commented on #${o.original.pullRequest}`] : []),
  ].join("\n");
}

/** What `kopt setup` prints. */
export function setupText(o: SetupOutcome): string {
  const p = o.protection;
  return [
    `kopt setup · ${o.repository}${o.dryRun ? " · dry run: nothing changed" : ""}`,
    "",
    `Labels ${o.dryRun ? "to create" : "ensured"}: ${o.labels.join(", ")}`,
    `Branch protection on ${o.branch}${o.dryRun ? " (would set)" : ""}:`,
    `  required status checks: ${p.required_status_checks.contexts.join(", ")}`,
    `  pull request reviews: ${p.required_pull_request_reviews.required_approving_review_count} approval, code owners must review, stale approvals dismissed on push`,
    "  admins: not enforced (an emergency merge stays possible and is visible in the PHR record)",
    ...(o.workflows
      ? [
          `Workflows${o.dryRun ? " (would write)" : ""}:`,
          ...o.workflows.map(
            (w) => `  ${w.path}: ${o.dryRun && w.status !== "unchanged" ? `would be ${w.status}` : w.status}`,
          ),
        ]
      : []),
  ].join("\n");
}

/** What `kopt codeowners check` prints (no trailing newline): `file:line: path: problem`, `fix:`, a summary. */
export function codeownersCheckText(result: CodeownersCheckResult): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    const loc = [f.file, f.line].filter((p) => p !== undefined).join(":");
    lines.push(`${loc}: ${f.path}: ${f.problem}`, `  fix: ${f.fix}`);
  }
  lines.push(`${result.checked.length} path(s) checked, ${result.findings.length} finding(s)`);
  return lines.join("\n");
}

/** What `kopt phr lint` prints: `file:line: field: message` for each fault, then a count. */
export function phrLintText(checked: number, faults: readonly PhrFault[]): string {
  const lines = faults.map((f) => {
    const loc = [f.file, f.line].filter((p) => p !== undefined).join(":");
    return `${loc}: ${f.field ? `${f.field}: ` : ""}${f.message}`;
  });
  lines.push(`${checked} PHR(s) checked, ${faults.length} fault(s)`);
  return `${lines.join("\n")}\n`;
}

/** What `kopt review` prints. */
export function reviewText(o: ReviewOutcome): string {
  const verb = o.state === "APPROVED" ? "approved" : "requested changes on";
  return [
    `${o.user} ${verb} #${o.pr} (${o.branch}) at ${o.headSha.slice(0, 7)}, ${o.at}`,
    `  next: kopt gate --pr ${o.pr} counts the reviews and sets the kopt/approval status`,
  ].join("\n");
}

/** What `kopt merge` prints. */
export function mergeText(o: MergeOutcome): string {
  return [
    `#${o.pr} (${o.branch}) merged into ${o.baseBranch} as ${o.merged.sha.slice(0, 7)}${o.merged.by ? ` by ${o.merged.by}` : ""}, ${o.merged.at}`,
    "  next: kopt after-merge records the approvals and the merge in its PHR",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// kopt diagnose

/** `kopt diagnose --output json`: exactly the shapes of src/model/finding.ts (README). */
export function diagnoseJson(out: DiagnoseOutcome) {
  return { findings: out.findings, incidents: out.incidents, warnings: out.warnings };
}

const whenText = (t: number | null) => (t === null ? "unknown" : formatTime(t));

function findingSubject(f: Finding): string {
  const where = f.workload
    ? `${f.workload.kind} ${f.workload.namespace}/${f.workload.name}`
    : `node ${f.node ?? "unknown"}`;
  const on = f.workload && f.node ? ` on node ${f.node}` : "";
  return `${where}${f.container ? `, container ${f.container}` : ""}${on}`;
}

function probeLine(p: ProbeEvidence): string {
  const observed =
    p.observedStartSeconds === null
      ? "start time not observed"
      : `observed start ${p.observedStartSeconds} s`;
  return `${p.probe} probe: initialDelaySeconds ${p.initialDelaySeconds}, periodSeconds ${p.periodSeconds}, timeoutSeconds ${p.timeoutSeconds}, failureThreshold ${p.failureThreshold} -> kills after ${p.killAfterSeconds} s; ${observed}`;
}

/** The evidence of one finding in numbers, one fact a line. */
function evidenceLines(e: FindingEvidence): string[] {
  const lines: string[] = [];
  if (e.exitCode !== null) {
    const signal = e.signal ? ` (${e.signal})` : "";
    lines.push(`exit code ${e.exitCode}${signal}, last termination ${e.terminationReason ?? "unknown"}`);
  } else if (e.terminationReason) lines.push(`last termination ${e.terminationReason}`);
  if (e.waitingReason) lines.push(`waiting: ${e.waitingReason}`);
  if (e.restarts > 0 || e.backoffSeconds !== null) {
    const backoff = e.backoffSeconds === null ? "" : `, back-off ${e.backoffSeconds} s`;
    lines.push(`restarts ${e.restarts}${backoff}`);
  }
  if (e.pods.length > 0) lines.push(`pods (${e.pods.length}): ${e.pods.join(", ")}`);
  for (const ev of e.events) {
    lines.push(
      `event ${ev.reason} x${ev.count}, first ${whenText(ev.firstTime)}, last ${whenText(ev.lastTime)}: ${ev.message}`,
    );
  }
  if (e.probe) lines.push(probeLine(e.probe));
  for (const l of e.logs) {
    const tags = [l.level, l.new ? "new since the previous instance" : null].filter(Boolean).join(", ");
    lines.push(`log x${l.count}${tags ? ` (${tags})` : ""}: ${l.template}`);
  }
  if (e.crashLine !== null) lines.push(`line nearest the crash: ${e.crashLine}`);
  for (const [k, v] of Object.entries(e.subjects)) lines.push(`${k}: ${v}`);
  // The probe line above already says when it kills and the observed start.
  const shown = e.probe ? new Set(["liveness kills after", "observed start"]) : new Set<string>();
  for (const [k, v] of Object.entries(e.figures)) if (!shown.has(k)) lines.push(`${k}: ${v}`);
  if (e.logsUnavailable) lines.push("logs: unavailable (not read): judged from status and events only");
  return lines;
}

function findingLines(f: Finding): string[] {
  const cls = f.subCause ? `${f.class} (${f.subCause})` : f.class;
  return [
    `  - ${findingSubject(f)}: ${cls}, confidence ${f.confidence.toFixed(2)}`,
    `    root cause: ${f.rootCause}`,
    "    evidence:",
    ...evidenceLines(f.evidence).map((l) => `      ${l}`),
    `    suggested fix (${f.fix === "values" ? "a values change, as a pull request" : "an incident for people"}): ${f.suggestedFix}`,
    `    expected outcome: ${f.expectedOutcome}`,
    `    runbook: ${f.runbook}`,
    `    fingerprint: ${f.fingerprint}`,
  ];
}

function incidentLines(i: Incident, findings: readonly Finding[]): string[] {
  const cls = i.subCause ? `${i.class} (${i.subCause})` : i.class;
  return [
    `Incident ${i.fingerprint}: ${i.title}`,
    `  class ${cls} · fix ${i.fix} · cause ${i.cause} · first seen ${whenText(i.firstSeen)} · last seen ${whenText(i.lastSeen)}`,
    ...findings.flatMap(findingLines),
  ];
}

function diagnoseSummary(out: DiagnoseOutcome): string {
  const n = out.findings.length;
  const values = out.findings.filter((f) => f.fix === "values").length;
  const logs = out.logsReadable ? "" : "; logs unavailable, judged from status and events only";
  if (n === 0) return `No failures found${logs}.`;
  return `${n} finding(s) in ${out.incidents.length} incident(s): ${values} fixable by a values change, ${n - values} needing an incident${logs}.`;
}

/** `kopt diagnose`: one block per incident with its findings, a summary line, warnings last. */
export function diagnoseText(out: DiagnoseOutcome): string {
  const byFingerprint = new Map(out.findings.map((f) => [f.fingerprint, f]));
  const shown = new Set<string>();
  const blocks: string[][] = out.incidents.map((i) => {
    const members = i.findings.flatMap((fp) => byFingerprint.get(fp) ?? []);
    for (const f of members) shown.add(f.fingerprint);
    return incidentLines(i, members);
  });
  const loose = out.findings.filter((f) => !shown.has(f.fingerprint));
  if (loose.length > 0) blocks.push(["Findings in no incident:", ...loose.flatMap(findingLines)]);
  const lines = [
    `kopt diagnose · cluster ${out.cluster} · ${out.source} · at ${formatTime(out.observedAt)}`,
    "",
  ];
  for (const b of blocks) lines.push(...b, "");
  lines.push(diagnoseSummary(out));
  // A warning's further lines (an RBAC rule to add) stay indented under it.
  const warning = (w: string) => `  - ${w.replaceAll("\n", "\n    ")}`;
  if (out.warnings.length > 0) lines.push("", "Warnings:", ...out.warnings.map(warning));
  return lines.join("\n");
}
